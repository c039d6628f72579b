"""`assistant ask` with small talk and summaries: the same ``ask`` as every interface."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from assistant.config import Settings


def _ask(args: list[str], settings: Settings, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ASSISTANT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "assistant.interfaces.cli", "ask", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=300,
    )


def test_ask_greets_lists_documents_and_summarises(settings: Settings, tmp_path: Path) -> None:
    hello = _ask(["hi"], settings, tmp_path)
    assert hello.returncode == 0, hello.stderr
    assert hello.stdout.startswith("Hello!") and "[1]" not in hello.stdout
    assert "no_claims" not in hello.stdout

    listed = _ask(["--json", "what documents do you have?"], settings, tmp_path)
    documents = json.loads(listed.stdout)
    assert documents["intent"] == "documents" and len(documents["citations"]) == 1
    assert "China’s Digital Economy and Digital Trade (china-digital-trade.md)" in (
        documents["answer"]
    )

    summary = _ask(["summarize the article"], settings, tmp_path)
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.startswith("Summary of “China’s Digital Economy and Digital Trade”")
    markers = set(re.findall(r"\[(\d)\] china-digital-trade\.md", summary.stdout))
    assert 3 <= len(markers) <= 6 and "Summary of the sources" in summary.stdout
    assert "Answers the question" not in summary.stdout
