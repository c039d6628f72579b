"""`assistant chat` start-up decisions, `assistant feedback export --as-fixtures`, and the
support level `assistant ask` ends with."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assistant.feedback import FeedbackStore
from assistant.interfaces.cli import app
from assistant.interfaces.cli_common import ingest_reason
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from tests.interfaces.web_doubles import QUOTE, make_answer


def test_chat_ingests_when_the_store_is_empty_or_the_files_changed(fast_kb: KnowledgeBase) -> None:
    assert ingest_reason(fast_kb, follow_files=True) == "The store is empty"
    sync(fast_kb)
    assert ingest_reason(fast_kb, follow_files=True) == ""
    note = fast_kb.settings.knowledge_dir / "note.md"
    note.write_text("# Note\n\nA new fact.\n", encoding="utf-8")
    assert ingest_reason(fast_kb, follow_files=True).startswith("The knowledge dir changed")
    assert ingest_reason(fast_kb, follow_files=False) == ""
    sync(fast_kb)
    assert ingest_reason(fast_kb, follow_files=True) == ""
    note.write_text("# Note\n\nAn edited fact.\n", encoding="utf-8")
    assert ingest_reason(fast_kb, follow_files=True).startswith("The knowledge dir changed")


def test_feedback_export_writes_thumbs_down_as_draft_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FeedbackStore.in_data_dir(tmp_path / "data")
    asked = make_answer("What share of GDP?")
    store.record(asked, "down", comment="Missing 2015.", interface="web")
    store.record(make_answer("Good one?"), "up", interface="web")
    store.record(make_answer("Mars weather?", abstained=True), "down", interface="slack")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    target = tmp_path / "drafts" / "feedback.yaml"
    result = CliRunner().invoke(app, ["feedback", "export", "--as-fixtures", str(target)])
    assert result.exit_code == 0, result.output
    cases = yaml.safe_load(target.read_text(encoding="utf-8"))["cases"]
    assert [c["id"] for c in cases] == ["feedback-1", "feedback-3"]
    first = cases[0]
    assert list(first) == ["id", "question", "expect", "cite", "answerable", "tags", "notes"]
    assert (first["question"], first["expect"], first["cite"]) == ("What share of GDP?", [], [])
    assert first["answerable"] is True and first["tags"] == ["feedback"]
    assert first["notes"].startswith("Comment: Missing 2015.\nAnswer given (web, ")
    assert first["notes"].endswith(f"{QUOTE} [1]")
    assert "(no comment)" in cases[1]["notes"] and "do not answer" in cases[1]["notes"]


def test_feedback_export_into_an_unwritable_place_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    target = str(blocker / "x.yaml")
    result = CliRunner().invoke(app, ["feedback", "export", "--as-fixtures", target])
    assert result.exit_code == 1 and "Cannot write" in result.output
    assert "Traceback" not in result.output


def test_the_command_line_does_not_import_gradio() -> None:
    code = (
        "import sys; import assistant.interfaces.cli, assistant.answer.core, "
        "assistant.interfaces.web_render; print('gradio' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_taken_port_is_a_clear_error(fast_kb: KnowledgeBase) -> None:
    from assistant.errors import ConfigurationError
    from assistant.interfaces.web import ChatPage, build_app, launch

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = build_app(ChatPage.open(fast_kb))
        with pytest.raises(ConfigurationError, match=f"127.0.0.1:{port}: the port is taken"):
            launch(app, fast_kb.settings, "127.0.0.1", port, block=False)


def test_ask_ends_with_the_answers_support_level(bundled_kb: KnowledgeBase) -> None:
    env = {
        "ASSISTANT_KNOWLEDGE_DIR": str(bundled_kb.settings.knowledge_dir),
        "ASSISTANT_DATA_DIR": str(bundled_kb.settings.data_dir), "COLUMNS": "200",
    }
    answered = CliRunner().invoke(
        app, ["ask", "What share of China's GDP was the digital economy in 2023?"], env=env
    )
    assert answered.exit_code == 0, answered.output
    last = answered.output.splitlines()[-1]
    assert last == (
        "Related passage only: check the quote before relying on it · 1/1 sentences match their"
        " cited passages · extractive"
    )
    declined = CliRunner().invoke(app, ["ask", "What is the capital of France?"], env=env)
    assert declined.output.splitlines()[-1] == "Not in the sources · extractive"
