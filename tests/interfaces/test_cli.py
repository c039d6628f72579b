"""`assistant ask` and `assistant search`: unusable input refused by name before searching, and
a conversation read from standard input."""

import json
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from assistant.config import Settings
from assistant.interfaces.cli import app, print_answer
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from tests.interfaces.web_doubles import make_answer


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "gym.md").write_text(
        "# Gym\n\nThe company gym is on floor 3 and open until 22:00.\n", encoding="utf-8"
    )
    (knowledge / "lab.md").write_text(
        "# Lab safety\n\nAfter a chemical spill, call the safety officer, Dr. Henrik Sato, at "
        "extension 4411.\n",
        encoding="utf-8",
    )
    settings = Settings(knowledge_dir=knowledge, data_dir=tmp_path / "data")
    assert sync(KnowledgeBase(settings)).documents == 2
    return {
        "ASSISTANT_KNOWLEDGE_DIR": str(knowledge),
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        "COLUMNS": "1000",
    }


@pytest.mark.parametrize("command", ["ask", "search"])
def test_an_unknown_source_is_named_not_answered_as_missing(
    cli_env: dict[str, str], command: str
) -> None:
    args = [command, "When does the gym close?", "--source", "gym.md", "--source", "Gym.txt"]
    result = CliRunner().invoke(app, args, env=cli_env)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: No document is named Gym.txt;")
    assert "`assistant sources` lists: gym.md, lab.md." in result.output
    assert "do not answer" not in result.output


def test_a_known_source_is_searched(cli_env: dict[str, str]) -> None:
    args = ["ask", "Where is the company gym?", "--source", "gym.md"]
    result = CliRunner().invoke(app, args, env=cli_env)
    assert result.exit_code == 0, result.output
    assert "The company gym is on floor 3 and open until 22:00. [1]" in result.output


def test_sources_lists_each_name_whole_on_a_narrow_terminal(cli_env: dict[str, str]) -> None:
    knowledge = Path(cli_env["ASSISTANT_KNOWLEDGE_DIR"])
    name = "harbourline_annual_report_2023.txt"
    (knowledge / name).write_text("Harbourline carried 1.4 million passengers.\n")
    env = {**cli_env, "COLUMNS": "60"}
    assert CliRunner().invoke(app, ["ingest"], env=env).exit_code == 0
    result = CliRunner().invoke(app, ["sources"], env=env)
    assert result.exit_code == 0, result.output
    assert name in result.output and "gym.md" in result.output


def test_search_refuses_an_empty_query(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["search", "  \t "], env=cli_env)
    assert result.exit_code == 2
    assert result.output.startswith("error: The question is empty")


def test_ask_without_a_question_holds_a_conversation(cli_env: dict[str, str]) -> None:
    lines = [
        "Who is the safety officer?", "\x01", "What is his extension?", "", "Where is the gym?"
    ]
    result = CliRunner().invoke(app, ["ask", "--json"], input="\n".join(lines), env=cli_env)
    assert result.exit_code == 0, result.output
    decoder, text, answers = json.JSONDecoder(), result.stdout, []
    while text.strip():
        answer, end = decoder.raw_decode(text.strip())
        answers.append(answer)
        text = text.strip()[end:]
    first, follow_up = answers  # the unusable line is skipped; the empty one ends the input
    assert "error: The question is empty" in result.stderr
    assert "Henrik Sato" in first["answer"]
    assert follow_up["question"] == "What is his extension?"
    assert "safety officer" in follow_up["standalone_question"], "read with the first turn"
    assert "4411" in follow_up["answer"]


def test_a_citation_without_a_section_names_its_document_alone() -> None:
    answer = make_answer()
    [citation] = answer.citations
    bare = answer.model_copy(update={"citations": [citation.model_copy(update={"section": ""})]})
    for shown, expected in ((answer, "china-digital-trade.md · China’s Changing Approach"),
                            (bare, "china-digital-trade.md")):
        printed = StringIO()
        print_answer(shown, Console(file=printed, width=200), False)
        [line] = [line for line in printed.getvalue().splitlines() if line.startswith("[1] ")]
        assert line == f"[1] {expected}"
