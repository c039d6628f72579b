"""The package's public surface: every exported name resolves, and importing costs nothing."""

import json
import subprocess
import sys

import pytest

import assistant
from tests.conftest import ROOT

PROBE = """
import json, sys
before = set(sys.modules)
import assistant
after_package = sorted({m.split(".")[0] for m in set(sys.modules) - before})
from assistant import ask, ask_stream, Answer, KnowledgeBase, Settings, shared_knowledge_base
print(json.dumps({"package": after_package, "modules": sorted(sys.modules)}))
"""


def test_every_exported_name_resolves() -> None:
    for name in assistant.__all__:
        assert getattr(assistant, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        assistant.nothing  # noqa: B018


def test_importing_the_package_and_ask_stays_cheap() -> None:
    """``import assistant`` loads nothing else; ``ask`` does not load LangChain's runnables,
    tools or chat models, the OpenAI client, the store or the web page."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["package"] == ["assistant"]
    heavy = ("langchain_openai", "openai", "gradio", "chromadb", "onnxruntime", "slack_bolt",
             "langchain_core.tools", "langchain_core.runnables.base",
             "langchain_core.language_models.chat_models", "assistant.interfaces.runnables")
    loaded = [m for m in result["modules"] if m.startswith(heavy)]
    assert loaded == []
