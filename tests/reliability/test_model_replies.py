"""Hostile and broken model replies, from a local OpenAI-compatible server: a reply that fails
its checks is never shown as the answer (page, Slack, CLI), verification cannot be switched off
by the refusal sentence, and a model that drips, streams for ever or sends malformed chunks is
cut at its deadline and replaced by the quoted answer."""

import json
import os
import time
from pathlib import Path

import pytest

from assistant.answer.core import ask, ask_stream
from assistant.config import Settings
from assistant.interfaces.slack_blocks import answer_message
from assistant.interfaces.web_render import answer_html
from assistant.knowledge.base import KnowledgeBase
from assistant.search.retrieve import search
from assistant.types import Answer
from tests.fakes import Drip, FakeOpenAIServer
from tests.reliability.cases import HOSTILE_REPLIES, MODEL_FAULTS
from tests.reliability.conftest import FACT, FACT_QUESTION
from tests.reliability.test_bad_questions import run_cli

_CONTROL = [chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]]


def on_model(kb: KnowledgeBase, server: FakeOpenAIServer, **changes: object) -> Settings:
    return kb.settings.model_copy(update={
        "openai_base_url": server.url, "chat_model": "fake-llm", "llm_timeout": 1.0,
        "llm_max_retries": 1, **changes,
    })


def source_number(kb: KnowledgeBase) -> int:
    hits = search(kb, FACT_QUESTION, kb.settings.top_k).hits
    return next(n for n, hit in enumerate(hits, start=1) if FACT in hit.text)


@pytest.mark.parametrize("kind", list(HOSTILE_REPLIES))
def test_a_hostile_reply_is_never_shown_as_the_answer(kb: KnowledgeBase, kind: str) -> None:
    reply = HOSTILE_REPLIES[kind].replace("{n}", str(source_number(kb)))
    with FakeOpenAIServer(reply, reply) as server:
        settings = on_model(kb, server, llm_timeout=20.0)  # no deadline trouble on a busy machine
        events = list(ask_stream(FACT_QUESTION, knowledge=kb, settings=settings))
    answer = events[-1]
    assert isinstance(answer, Answer)
    assert answer.mode == "extractive" and FACT in answer.answer and not answer.abstained
    assert answer.verification.status == "verified"
    draft = answer.model_draft
    assert draft is not None and "did not pass verification" in answer.notice
    assert draft.cut_off or not all(s.supported for s in draft.verification.sentences)
    shown = json.dumps(answer.model_dump()) + "".join(e for e in events if isinstance(e, str))
    assert not any(ch in shown for ch in _CONTROL)
    page = answer_html(answer, 1)
    assert "Not in the sources" not in page and 'href="https://evil' not in page
    assert '<details class="model-draft"><summary>Unverified model draft</summary>' in page
    slack = json.dumps(answer_message(answer, "a1"))
    assert '"url": "https://evil' not in slack and "none was made up" not in slack
    assert "Unverified model draft, not the answer" in slack


def test_a_dripping_model_is_cut_at_the_deadline(kb: KnowledgeBase) -> None:
    """One word every 0.4 s never trips a 1 s read timeout; the deadline of (1 + 1) × 1 s does."""
    with FakeOpenAIServer(otherwise=Drip("growth ", interval=0.4, count=500)) as server:
        started = time.monotonic()
        answer = ask(FACT_QUESTION, knowledge=kb, settings=on_model(kb, server))
        took = time.monotonic() - started
    assert answer.mode == "extractive" and FACT in answer.answer
    assert "timed out: no complete reply within 2 s" in answer.notice
    assert took < 2 + 10  # the deadline plus retrieval and the extractive answer, never 200 s
    assert len(server.chat_requests) == 1


def test_all_model_requests_of_a_question_share_its_time(kb: KnowledgeBase) -> None:
    """ASSISTANT_LLM_QUESTION_TIMEOUT bounds the rewrite, the answer and the repair together."""
    with FakeOpenAIServer(otherwise=Drip("growth ", interval=0.2, count=500)) as server:
        settings = on_model(kb, server, llm_timeout=30.0, llm_question_timeout=1.5)
        started = time.monotonic()
        answer = ask("And in 2023?", history=[{"role": "user", "content": FACT_QUESTION}],
                     knowledge=kb, settings=settings)
        took = time.monotonic() - started
    assert answer.mode == "extractive" and "ASSISTANT_LLM_QUESTION_TIMEOUT" in answer.notice
    assert took < 1.5 + 10 and len(server.chat_requests) == 1


def test_a_never_ending_stream_is_cut_and_the_request_cancelled(kb: KnowledgeBase) -> None:
    """The client closes the stream it gave up on, so the server stops generating for it."""
    with FakeOpenAIServer(otherwise=Drip("growth ", interval=0.05)) as server:
        settings = on_model(kb, server, llm_max_retries=0)
        answer = ask(FACT_QUESTION, knowledge=kb, settings=settings)
        assert server.hung_up.wait(10), "the abandoned stream was never closed"
    assert answer.mode == "extractive" and FACT in answer.answer
    assert answer.model_draft is None and "timed out" in answer.notice
    assert len(server.chat_requests) == 1


def test_a_model_reply_is_capped_at_the_prompt_length_rule(kb: KnowledgeBase) -> None:
    """A looping model is cut at max_tokens' worth of text and not sent back for repair."""
    with FakeOpenAIServer(otherwise=Drip("growth ", interval=0.0, count=20_000)) as server:
        answer = ask(FACT_QUESTION, knowledge=kb, settings=on_model(kb, server, llm_timeout=20))
        assert server.hung_up.wait(10)
    assert answer.mode == "extractive" and answer.model_draft is not None
    assert answer.model_draft.cut_off and len(answer.model_draft.text) <= 240 * 6
    [request] = server.chat_requests
    assert request["max_tokens"] == 240


def test_malformed_chunks_through_the_cli_fall_back_without_a_traceback(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    """Every malformed chunk is tried through ``ask`` (``MODEL_FAULTS``); one here end to end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env |= {  # embeddings from the fake server too: no model file to load
        "ASSISTANT_KNOWLEDGE_DIR": str(kb.settings.knowledge_dir),
        "ASSISTANT_DATA_DIR": str(tmp_path / "cli-data"), "ASSISTANT_CHAT_MODEL": "fake-llm",
        "ASSISTANT_EMBEDDING_MODEL": "openai:fake-embed", "ASSISTANT_LLM_MAX_RETRIES": "0",
    }
    reply = MODEL_FAULTS["stream chunk with `choices` as an object"]
    with FakeOpenAIServer(otherwise=reply) as server:
        result = run_cli(env | {"OPENAI_BASE_URL": server.url}, "ask", FACT_QUESTION)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert FACT in result.stdout.replace("\n", " ") and "could not be read" in result.stdout
