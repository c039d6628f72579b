"""Secrets never leak: the CLI, the eval, the chat page and the Slack bot run with canary keys
and tokens, and everything they produce is searched for them: stdout, stderr, log records,
replies, error messages, every file in the data dir, the eval's JSON and HTML reports."""

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from pydantic import SecretStr

from assistant.config import Settings
from assistant.interfaces.web import ChatPage
from assistant.knowledge.base import KnowledgeBase
from evals.runner import EvalOptions, evaluate
from tests.fakes import FakeOpenAIServer, OpenAIReply
from tests.interfaces.test_slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    RunningBot,
    mention,
    send_event,
)
from tests.reliability.conftest import FACT_QUESTION
from tests.test_evals import FOLLOW_UP_2015, GDP_2023, OFF_TOPIC, write_fixture

OPENAI_KEY = "sk-canary-openai-5f1e0c9d7b3a"
CANARIES = (OPENAI_KEY, BOT_TOKEN, SIGNING_SECRET, "xapp-canary-app-2c4e6a8b0d")
ANSWER = "The digital economy made up 42.8 percent of GDP in 2023 [1]."


def assert_no_canary(*texts: str, folders: tuple[Path, ...] = ()) -> None:
    """No canary, nor its distinctive tail, in any text or in any file under the folders."""
    needles = [c for canary in CANARIES for c in (canary, canary[-12:])]
    for text in texts:
        assert not [n for n in needles if n in text], text[:2000]
    for folder in folders:
        for path in (p for p in folder.rglob("*") if p.is_file()):
            data = path.read_bytes()
            found = [n for n in needles if n.encode() in data or n.encode("utf-16-le") in data]
            assert not found, f"{path} holds {found}"


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


@pytest.fixture
def canary_env(tmp_path: Path, knowledge_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ASSISTANT_", "OPENAI_", "SLACK_"))}
    return env | {
        "ASSISTANT_KNOWLEDGE_DIR": str(knowledge_dir), "ASSISTANT_DATA_DIR": str(tmp_path / "d"),
        "OPENAI_API_KEY": OPENAI_KEY, "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_APP_TOKEN": CANARIES[3],
        "ASSISTANT_LLM_MAX_RETRIES": "0", "ASSISTANT_LLM_TIMEOUT": "5", "OPENAI_LOG": "debug",
    }


def cli(env: dict[str, str], server: FakeOpenAIServer, *args: str) -> str:
    command = [str(Path(sys.executable).with_name("assistant")), *args]
    result = subprocess.run(
        command, env={**env, "OPENAI_BASE_URL": server.url, "ASSISTANT_CHAT_MODEL": "fake",
                      "ASSISTANT_EMBEDDING_MODEL": "openai:fake-embed"},
        capture_output=True, text=True, timeout=120,
    )
    assert "Traceback" not in result.stderr
    return result.stdout + result.stderr


CLI_RUNS: list[tuple[list[str], OpenAIReply, str]] = [
    (["ingest"], 500, "added"),
    (["ask", FACT_QUESTION], ANSWER, "42.8 percent"),
    (["ask", "--json", FACT_QUESTION], 500, "unavailable"),
    (["ask", FACT_QUESTION], 401, "rejected the API key"),
    (["sources", "--json"], 500, "china-digital-trade.md"),
]


def test_cli(canary_env: dict[str, str], tmp_path: Path) -> None:
    outputs = []
    for args, reply, expected in CLI_RUNS:
        with FakeOpenAIServer(reply, otherwise=reply) as server:
            outputs.append(cli(canary_env, server, *args))
            assert expected in outputs[-1], outputs[-1]
            assert set(server.keys) <= {OPENAI_KEY}, "the key goes in its header"
    assert_no_canary(*outputs, folders=(tmp_path / "d",))


def test_eval_reports(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    fixture = write_fixture(tmp_path / "cases.yaml", GDP_2023, FOLLOW_UP_2015, OFF_TOPIC)
    out = tmp_path / "reports"
    with FakeOpenAIServer(otherwise=ANSWER) as server:
        canaried = settings.model_copy(update={
            "openai_api_key": SecretStr(OPENAI_KEY), "openai_base_url": server.url,
            "chat_model": "fake", "llm_max_retries": 0,
        })
        outcome = evaluate(EvalOptions(
            fixtures=[fixture], json_path=out / "r.json", html_path=out / "r.html",
            baseline_path=out / "baseline.json", update_baseline=True,
            results_dir=out / "results", settings=canaried,
        ))
    assert outcome.report["cases"] and (out / "r.html").is_file() and (out / "r.json").is_file()
    assert server.chat_requests and set(server.keys) == {OPENAI_KEY}
    captured = capsys.readouterr()
    assert_no_canary(captured.out, captured.err, log_text(caplog), repr(outcome.report),
                     folders=(out, settings.data_dir))


def test_chat_page(
    kb: KnowledgeBase, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    errors: list[str] = []
    for reply in (ANSWER, 401, 500, "My API key is hidden from me."):
        with FakeOpenAIServer(reply, otherwise=reply) as server:
            page = ChatPage.open(KnowledgeBase(kb.settings.model_copy(update={
                "openai_api_key": SecretStr(OPENAI_KEY), "openai_base_url": server.url,
                "chat_model": "fake", "llm_max_retries": 0,
            }), embeddings=kb.embeddings))
            try:
                *_, (chat, sources, answers, _) = page.respond(FACT_QUESTION, [], {})
                texts += [repr(chat), str(sources)]
                texts += [a.model_dump_json() for a in answers.values()]
                texts.append(repr(page.ask_api(FACT_QUESTION)))
                page.rate(answers, "a comment", 2, False)
            except gr.Error as exc:
                errors.append(str(exc))
            texts.append(page.header() + repr(page.knowledge_view()))
    assert len(errors) == 1 and "OPENAI_API_KEY" in errors[0], "the 401 names the setting"
    captured = capsys.readouterr()
    assert_no_canary(*texts, *errors, captured.out, captured.err, log_text(caplog),
                     folders=(kb.settings.data_dir,))


@pytest.fixture
def slack_with_model(
    start_bot: Callable[..., RunningBot], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[OpenAIReply], tuple[RunningBot, FakeOpenAIServer]]]:
    servers: list[FakeOpenAIServer] = []

    def start(reply: OpenAIReply) -> tuple[RunningBot, FakeOpenAIServer]:
        server = FakeOpenAIServer(reply, otherwise=reply).__enter__()
        servers.append(server)
        for name, value in {"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": server.url,
                            "ASSISTANT_CHAT_MODEL": "fake", "ASSISTANT_LLM_MAX_RETRIES": "0",
                            }.items():
            monkeypatch.setenv(name, value)
        return start_bot(), server

    yield start
    for server in servers:
        server.__exit__()


def test_slack(
    slack_with_model: Callable[[OpenAIReply], tuple[RunningBot, FakeOpenAIServer]],
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    sent: list[Any] = []
    for reply in (ANSWER, 401, 500):
        running, server = slack_with_model(reply)
        event = mention(running, FACT_QUESTION)
        assert send_event(running, event) == 200
        assert send_event(running, mention(running, "x"), secret="wrong-secret") == 401
        running.api.fail("conversations.replies", "internal_error")
        follow_up = mention(running, "And in 2015?", thread_ts=event["ts"])
        assert send_event(running, follow_up) == 200
        running.stop()  # finishes every answer in progress
        assert set(server.keys) <= {OPENAI_KEY} and server.chat_requests
        sent += [call["params"] for call in running.api.calls]
    assert "OPENAI_API_KEY" in repr(sent), "the 401 reached the thread, naming the setting"
    captured = capsys.readouterr()
    assert_no_canary(repr(sent), captured.out, captured.err, log_text(caplog),
                     folders=(Settings().data_dir,))


def test_the_search_finds_a_canary(tmp_path: Path) -> None:
    (tmp_path / "log.txt").write_text(f"token={BOT_TOKEN[:-3]}...{BOT_TOKEN[-12:]}")
    with pytest.raises(AssertionError):
        assert_no_canary(folders=(tmp_path,))
    with pytest.raises(AssertionError):
        assert_no_canary(f"Bearer {OPENAI_KEY}")
