"""Bad questions through every door: ``ask``, the CLI, the chat page's handlers and Slack.

Each gets its clear error or a safe answer; nothing crashes; the store still answers afterwards.
"""

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from assistant.answer.core import ask
from assistant.errors import InvalidQuestionError
from assistant.interfaces.web import ChatPage
from assistant.knowledge.base import KnowledgeBase
from assistant.types import Answer
from tests.conftest import copy_bundled
from tests.interfaces.test_slack import CHANNEL, RunningBot, bot_messages, mention, send_event
from tests.reliability.cases import HISTORIES, QUESTIONS
from tests.reliability.conftest import assert_facts_still_answered

KINDS = list(QUESTIONS)
UNSAFE = ("\x00", "\x07", "\x1b", "\u202e", "\ud800")
ARGV_LIMIT = 100_000  # one argv string may hold at most 128 KiB on Linux
REJECTION = r"empty|limit is 2,000"


def assert_safe(answer: Answer) -> None:
    """An answer a user may see: clean question, JSON-able, and checked."""
    json.loads(answer.model_dump_json())
    assert not any(c in answer.question for c in UNSAFE)
    assert not any("\ud800" <= c <= "\udfff" for c in answer.question)
    assert answer.abstained or answer.verification.status == "verified"
    assert "system prompt" not in answer.answer.lower() and "api key" not in answer.answer.lower()


@pytest.mark.parametrize("kind", KINDS)
def test_ask(kb: KnowledgeBase, kind: str) -> None:
    question, rejected = QUESTIONS[kind]
    if rejected:
        with pytest.raises(InvalidQuestionError, match=REJECTION):
            ask(question, knowledge=kb)
    else:
        assert_safe(ask(question, knowledge=kb, history=[{"role": "user", "content": question}]))
    assert_facts_still_answered(kb)


@pytest.mark.parametrize("kind", list(HISTORIES))
def test_ask_with_a_bad_history(kb: KnowledgeBase, kind: str) -> None:
    history, rejected = HISTORIES[kind]
    if rejected:
        with pytest.raises(InvalidQuestionError, match="The history must be a list of turns"):
            ask("And in 2015?", knowledge=kb, history=history)
    else:
        assert_safe(ask("And in 2015?", knowledge=kb, history=history))


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The CLI's environment over a data dir ingested once (by the CLI itself)."""
    root = tmp_path_factory.mktemp("cli")
    copy_bundled(root / "knowledge")
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_", "SLACK_"))
    }
    env |= {"ASSISTANT_KNOWLEDGE_DIR": str(root / "knowledge"),
            "ASSISTANT_DATA_DIR": str(root / "data"), "ORT_DISABLE_TELEMETRY": "1"}
    run_cli(env, "ingest")
    yield env


def run_cli(env: dict[str, str], *args: str | bytes) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("assistant")), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def argv_form(question: str) -> bytes:
    """What a shell can pass: no NUL, at most ARGV_LIMIT bytes, undecodable bytes as bytes."""
    return os.fsencode(question.replace("\x00", ""))[:ARGV_LIMIT]


@pytest.mark.parametrize("kind", KINDS)
def test_cli(cli_env: dict[str, str], kind: str) -> None:
    question, rejected = QUESTIONS[kind]
    result = run_cli(cli_env, "ask", "--json", argv_form(question))
    assert "Traceback" not in result.stderr
    if rejected:
        assert result.returncode == 2 and "error:" in result.stderr
        assert "empty" in result.stderr or "limit is 2,000" in result.stderr
        assert result.stdout == ""
    else:
        assert result.returncode == 0, result.stderr
        assert_safe(Answer.model_validate_json(result.stdout))


@pytest.fixture
def page(kb: KnowledgeBase) -> ChatPage:
    return ChatPage.open(kb)


@pytest.mark.parametrize("kind", KINDS)
def test_chat_page(page: ChatPage, kind: str) -> None:
    question, rejected = QUESTIONS[kind]
    *_, (chat, _, answers, textbox) = page.respond(question, [], {})
    if rejected:
        assert chat == [] and answers == {} and textbox == question
        with pytest.raises(gr.Error, match=REJECTION):
            page.ask_api(question)
    else:
        [answer] = answers.values()
        assert_safe(answer)
        shown = chat[0]["content"] + chat[1]["content"]
        assert not any(c in shown for c in UNSAFE) and "<script" not in shown
        shown.encode("utf-8")  # no lone surrogate: the page could not send it to the browser
        assert_safe(Answer.model_validate(page.ask_api(question)))
    assert_facts_still_answered(page.kb)


def final_reply(running: RunningBot, thread_ts: str) -> dict[str, Any]:
    """The bot's reply once it is no longer the placeholder."""
    def done() -> list[dict[str, Any]]:
        return [m for m in bot_messages(running, CHANNEL, thread_ts)
                if "answer" in m.get("text", "").lower() or m.get("blocks")]

    running.api.wait_for(lambda: any(
        any(b["type"] == "actions" for b in m.get("blocks") or []) or ":warning:" in m["text"]
        for m in done()
    ))
    [reply] = bot_messages(running, CHANNEL, thread_ts)
    return reply


def test_slack(start_bot: Callable[..., RunningBot]) -> None:
    running = start_bot()
    events = {}
    for number, kind in enumerate(KINDS):
        event = mention(running, QUESTIONS[kind][0], user=f"U0ASKER{number}")
        assert send_event(running, event) == 200
        events[kind] = event
    for kind, event in events.items():
        reply = final_reply(running, event["ts"])
        if QUESTIONS[kind][1]:
            assert ":warning:" in reply["text"]
            assert "empty" in reply["text"] or "limit is 2,000" in reply["text"]
        else:
            assert ":warning:" not in reply["text"], reply["text"]
            assert "system prompt" not in reply["text"].lower()
    running.stop()
