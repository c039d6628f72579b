"""The model path end to end with a real, weak model: SmolLM2-135M through llama-cpp-python's
OpenAI-compatible server (``python -m benchmarks.local_model``). Its wording varies and is often
wrong, so these tests assert structure: what is shown as the answer passed its checks, requests
are capped and bounded in time, an abandoned request is cancelled at the server.

Selected with ``-m local_model``; the server is started here, or taken from
ASSISTANT_TEST_LLM_URL.
"""

import json
import os
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from assistant.answer import llm, repair
from assistant.answer.core import ask, ask_stream
from assistant.answer.draft import Draft
from assistant.answer.models import CallPolicy, build_chat_model, call_policy
from assistant.answer.stream import ModelCall
from assistant.config import Settings
from assistant.errors import ModelUnavailableError
from assistant.knowledge.base import KnowledgeBase
from assistant.search.retrieve import search
from assistant.types import Answer
from benchmarks.local_model import local_model, missing

pytestmark = pytest.mark.local_model

QUESTIONS = [
    "What share of China's GDP was the digital economy in 2023?",
    "Who won the 1998 World Cup?",
]


@dataclass(frozen=True)
class Server:
    url: str
    model: str
    log: Path | None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    given = os.environ.get("ASSISTANT_TEST_LLM_URL")
    if given:
        with urllib.request.urlopen(f"{given}/models", timeout=10) as response:
            name = json.load(response)["data"][0]["id"]
        yield Server(given, name, None)
        return
    reason = missing()
    if reason:
        pytest.skip(reason)
    with local_model(tmp_path_factory.mktemp("llm") / "server.log") as running:
        yield Server(running.url, running.model, running.log)
        assert running.process.poll() is None, "the model server died during the tests"


def on(kb: KnowledgeBase, server: Server, **changes: Any) -> Settings:
    """Time enough for a weak model on one busy core: these tests check structure, not speed."""
    update = {"openai_base_url": server.url, "chat_model": server.model, "llm_timeout": 300.0,
              "llm_max_retries": 0, "llm_question_timeout": 900.0, **changes}
    return kb.settings.model_copy(update=update)


def assert_shown_answer_passed(answer: Answer, reachable: bool = True) -> None:
    """A model's answer is shown only when every claim checked out; otherwise the quoted one is,
    with the model's draft beside it, or a notice says why the model was not used."""
    if reachable:
        assert "unavailable" not in answer.notice and "refused" not in answer.notice
    if answer.mode.startswith("llm:"):
        assert answer.verification.status in ("verified", "abstained")
        assert all(check.supported for check in answer.verification.sentences)
        assert answer.model_draft is None
    else:
        assert answer.mode == "extractive" and answer.notice
        if answer.model_draft is not None:
            draft = answer.model_draft
            assert draft.cut_off or not all(c.supported for c in draft.verification.sentences)
    if answer.support.level == "answered":
        assert answer.verification.status == "verified"


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_streamed_answer_is_shown_only_when_it_passes(
    bundled_kb: KnowledgeBase, server: Server, question: str
) -> None:
    events = list(ask_stream(question, knowledge=bundled_kb, settings=on(bundled_kb, server)))
    answer = events[-1]
    assert isinstance(answer, Answer)
    assert [e for e in events[:-1] if isinstance(e, str)], "nothing was streamed"
    assert_shown_answer_passed(answer)
    if answer.mode.startswith("llm:"):
        assert answer.stamp.prompt_version == llm.prompt_version()


def test_the_server_stops_at_the_token_cap(bundled_kb: KnowledgeBase, server: Server) -> None:
    model = build_chat_model(on(bundled_kb, server))
    call = ModelCall(model, [HumanMessage("Write a long story about a cat.")], CallPolicy(), 8)
    text = call.read()
    assert call.cut_off and 0 < len(text) <= 8 * 12


def test_a_follow_up_is_rewritten_only_into_a_usable_question(
    bundled_kb: KnowledgeBase, server: Server
) -> None:
    history = [{"role": "user", "content": QUESTIONS[0]}, {"role": "assistant", "content": "42.8%"}]
    answer = ask("And in 2015?", history=history, knowledge=bundled_kb,
                 settings=on(bundled_kb, server))
    assert "2015" in answer.standalone_question
    assert_shown_answer_passed(answer)


def test_a_wrong_answer_gets_one_repair_round(bundled_kb: KnowledgeBase, server: Server) -> None:
    settings = on(bundled_kb, server)
    hits = search(bundled_kb, QUESTIONS[0], settings.top_k).hits
    n = next(i for i, hit in enumerate(hits, start=1) if "42.8 percent" in hit.text)
    wrong = f"The digital economy made up 48.2 percent of GDP in 2023 [{n}]."
    renumbering = llm.Renumbering(len(hits))
    renumbering.feed(wrong)
    renumbering.finish()
    draft = llm.draft_of(hits, renumbering, "llm:smollm2", bundled_kb.embeddings)
    assert not repair.trusted(draft)
    messages = llm.answer_messages(QUESTIONS[0], hits)
    fixed = repair.repaired(build_chat_model(settings), call_policy(settings), messages, wrong,
                            draft, hits, bundled_kb.embeddings)
    assert isinstance(fixed, Draft) and fixed.repaired and fixed.text
    assert "48.2 percent" not in fixed.text or not repair.trusted(fixed)


def test_a_request_longer_than_the_context_is_named(
    bundled_kb: KnowledgeBase, server: Server
) -> None:
    answer = ask(QUESTIONS[0], knowledge=bundled_kb, settings=on(bundled_kb, server), k=14)
    assert answer.mode == "extractive"
    assert "longer than the model's context window" in answer.notice


def test_every_question_is_bounded_and_an_abandoned_request_is_cancelled(
    bundled_kb: KnowledgeBase, server: Server
) -> None:
    """With 3 s for the model per question, a question takes at most that plus search and the
    quoted answer; the request given up on is closed, and the server says so."""
    settings = on(bundled_kb, server, llm_timeout=1.0, llm_question_timeout=3.0)
    started = time.monotonic()
    answer = ask("Describe every part of China's digital trade framework in detail.",
                 knowledge=bundled_kb, settings=settings)
    took = time.monotonic() - started
    assert_shown_answer_passed(answer, reachable=False)
    assert took < 3 * 1.0 + 15
    model = build_chat_model(settings)
    call = ModelCall(model, [HumanMessage("Write a long story about a cat.")],
                     call_policy(settings), 400)
    with pytest.raises(ModelUnavailableError, match="timed out"):
        call.read()
    if server.log is not None:
        deadline = time.monotonic() + 30
        while "Disconnected from client" not in server.log.read_text(errors="replace"):
            assert time.monotonic() < deadline, "the server kept generating for nobody"
            time.sleep(0.5)
