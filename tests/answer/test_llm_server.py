"""The real openai client, through ``ChatOpenAI``, against an OpenAI-compatible server on
127.0.0.1: streaming and plain completions, retries, timeouts, repair and the fallback."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from pydantic import SecretStr

from assistant.answer import llm
from assistant.answer.core import ask, ask_stream
from assistant.answer.draft import REFUSAL
from assistant.answer.models import CallPolicy, build_chat_model
from assistant.answer.stream import ModelCall
from assistant.config import Settings
from assistant.errors import ConfigurationError, ModelUnavailableError
from assistant.knowledge.base import KnowledgeBase
from assistant.search.retrieve import search
from assistant.types import Answer
from tests.fakes import FakeOpenAIServer, Stall

MODEL = "fake-llm"
QUESTION = "What share of China's GDP was the digital economy in 2023?"
CLAIM = "The digital economy made up 42.8 percent of GDP in 2023"


def pointed_at(kb: KnowledgeBase, server: FakeOpenAIServer, **changes: Any) -> Settings:
    """The knowledge base's settings with the model on the fake server (fast retries)."""
    update = {
        "openai_base_url": server.url, "chat_model": MODEL, "llm_timeout": 5.0,
        "llm_max_retries": 2, **changes,
    }
    return kb.settings.model_copy(update=update)


def source_of(kb: KnowledgeBase, phrase: str, k: int = 4) -> int:
    """The number the model sees on the retrieved chunk that contains ``phrase``."""
    hits = search(kb, QUESTION, k).hits
    return next(n for n, hit in enumerate(hits, start=1) if phrase in hit.text)


def test_a_streamed_answer_arrives_in_pieces_and_is_checked(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    n = source_of(kb, "42.8 percent")
    server.script = [f"{CLAIM} [{n}], up from 27 percent in 2015 [{n}]."]
    events = list(ask_stream(QUESTION, knowledge=kb, settings=pointed_at(kb, server)))
    answer = events[-1]
    assert isinstance(answer, Answer)
    pieces = [e for e in events if isinstance(e, str)]
    assert len(pieces) > 5 and "".join(pieces).strip() == answer.answer
    assert answer.answer == f"{CLAIM} [1], up from 27 percent in 2015 [1]."
    assert answer.mode == f"llm:{MODEL}" and answer.verification.status == "verified"
    assert "42.8 percent of GDP in 2023" in answer.citations[0].quote
    [request] = server.chat_requests
    assert request["stream"] is True and request["model"] == MODEL
    assert request["temperature"] == 0.0
    system, user = (m["content"] for m in request["messages"])
    assert REFUSAL in system
    assert user.count("<source id=") == kb.settings.top_k and "42.8 percent of GDP" in user
    assert server.keys == ["not-needed"]


def test_a_follow_up_is_condensed_with_a_plain_completion(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    standalone = "What share of GDP was China's digital economy in 2015?"
    server.script = [standalone, "It was 27 percent in 2015 [1]."]
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "42.8%."}]
    answer = ask("And in 2015?", history=history, knowledge=kb, settings=pointed_at(kb, server))
    assert answer.standalone_question == standalone
    condense, generate = server.chat_requests
    assert condense["stream"] is True and generate["stream"] is True
    assert condense["max_tokens"] == llm.CONDENSE_TOKENS
    conversation = condense["messages"][-1]["content"]
    assert QUESTION in conversation and "And in 2015?" in conversation


def test_a_rate_limit_is_retried_by_the_client(kb: KnowledgeBase, server: FakeOpenAIServer) -> None:
    n = source_of(kb, "42.8 percent")
    server.script = [429, f"{CLAIM} [{n}]."]
    answer = ask(QUESTION, knowledge=kb, settings=pointed_at(kb, server))
    assert answer.mode == f"llm:{MODEL}" and answer.answer == f"{CLAIM} [1]."
    assert len(server.chat_requests) == 2 and not answer.notice


@pytest.mark.parametrize(("retry_timeouts", "requests"), [(True, 2), (False, 1)])
def test_a_timeout_is_retried_only_where_the_policy_allows(
    kb: KnowledgeBase, server: FakeOpenAIServer, retry_timeouts: bool, requests: int
) -> None:
    """A hosted service gets another request after a timeout; a server on this machine, which
    would still be working on the first one, does not."""
    server.script = [Stall(30), "It was 42.8 percent [1]."]
    model = build_chat_model(pointed_at(kb, server, llm_timeout=1.0))
    policy = CallPolicy(timeout_s=1.0, retries=2, retry_timeouts=retry_timeouts)
    call = ModelCall(model, [HumanMessage("q")], policy, max_tokens=50)
    if retry_timeouts:
        assert call.read() == "It was 42.8 percent [1]."
    else:
        with pytest.raises(ModelUnavailableError, match="timed out"):
            call.read()
    assert len(server.chat_requests) == requests


def test_a_local_server_that_times_out_is_not_asked_again(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    n = source_of(kb, "42.8 percent")
    server.script = [Stall(30), f"{CLAIM} [{n}]."]
    settings = pointed_at(kb, server, llm_timeout=0.5, llm_max_retries=1)
    answer = ask(QUESTION, knowledge=kb, settings=settings)
    assert answer.mode == "extractive" and "timed out" in answer.notice
    assert len(server.chat_requests) == 1


def test_a_server_that_does_not_answer_in_time_gives_the_extractive_answer(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    server.otherwise = Stall(30)
    settings = pointed_at(kb, server, llm_timeout=0.5, llm_max_retries=0)
    answer = ask(QUESTION, knowledge=kb, settings=settings)
    assert answer.mode == "extractive" and "42.8 percent" in answer.answer
    assert "unavailable" in answer.notice and "timed out" in answer.notice
    assert len(server.chat_requests) == 1


def test_a_server_failing_with_500_gives_the_extractive_answer_after_the_retries(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    server.otherwise = 500
    events = list(ask_stream(QUESTION, knowledge=kb, settings=pointed_at(kb, server)))
    answer = events[-1]
    assert isinstance(answer, Answer) and answer.mode == "extractive"
    assert "".join(e for e in events if isinstance(e, str)) == answer.answer
    assert "unavailable" in answer.notice and "500" in answer.notice
    assert len(server.chat_requests) == 3  # the first request and two retries
    assert answer.citations and not answer.abstained and "42.8 percent" in answer.answer


def test_a_citation_of_a_missing_source_is_removed(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    n = source_of(kb, "42.8 percent", k=3)
    server.script = [f"{CLAIM} [{n}][9]."]
    answer = ask(QUESTION, knowledge=kb, settings=pointed_at(kb, server), k=3)
    assert answer.answer == f"{CLAIM} [1]."
    assert answer.verification.removed_citations == [9] and "[9]" in answer.notice
    assert [c.n for c in answer.citations] == [1]
    assert answer.verification.status == "verified"


def test_an_uncited_sentence_is_repaired_then_the_quoted_answer_is_shown(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    n = source_of(kb, "42.8 percent", k=3)
    reply = f"{CLAIM} [{n}][9]. It grew fast [9]."
    server.script = [reply, reply]
    answer = ask(QUESTION, knowledge=kb, settings=pointed_at(kb, server), k=3)
    assert answer.mode == "extractive" and answer.model_draft is not None
    draft = answer.model_draft
    assert draft.text == f"{CLAIM} [1]. It grew fast."
    assert draft.verification.removed_citations == [9] and draft.verification.repaired
    assert [(c.supported, c.reason) for c in draft.verification.sentences] == [
        (True, ""), (False, "no citation")
    ]
    repair = server.chat_requests[1]["messages"][-1]["content"]
    assert "These sentences cite no source: “It grew fast.”" in repair
    assert "none of the sources" not in repair


def test_an_unsupported_figure_is_repaired_with_the_evidence_shown(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    n = source_of(kb, "42.8 percent")
    wrong = f"The digital economy made up 48.2 percent of GDP in 2023 [{n}]."
    server.script = [wrong, f"{CLAIM} [{n}]."]
    answer = ask(QUESTION, knowledge=kb, settings=pointed_at(kb, server))
    assert answer.answer == f"{CLAIM} [1]."
    assert answer.verification.repaired and answer.verification.status == "verified"
    first, repair = server.chat_requests
    assert repair["messages"][:2] == first["messages"]
    assert repair["messages"][2] == {"role": "assistant", "content": wrong}
    assert "48.2 percent" in repair["messages"][3]["content"]


def test_a_figure_still_unsupported_after_the_repair_is_kept_as_an_unverified_draft(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    n = source_of(kb, "42.8 percent")
    wrong = f"The digital economy made up 48.2 percent of GDP in 2023 [{n}]."
    server.script = [wrong, wrong]
    answer = ask(QUESTION, knowledge=kb, settings=pointed_at(kb, server))
    assert len(server.chat_requests) == 2
    assert answer.mode == "extractive" and answer.verification.status == "verified"
    assert answer.model_draft is not None and answer.model_draft.verification.repaired
    assert answer.model_draft.verification.unsupported_numbers == ["48.2 percent"]
    [check] = answer.model_draft.verification.sentences
    assert not check.supported and "48.2 percent" in check.reason
    assert answer.support.level != "answered" or answer.mode == "extractive"


def test_a_rejected_key_names_the_setting_without_echoing_it(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    server.otherwise = 401
    settings = pointed_at(kb, server, openai_api_key=SecretStr("sk-test-do-not-print"))
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY") as raised:
        ask(QUESTION, knowledge=kb, settings=settings)
    assert "sk-test" not in str(raised.value) and raised.value.__cause__ is None
    assert server.keys == ["sk-test-do-not-print"]  # sent once, not retried


def test_an_unknown_model_names_the_setting(kb: KnowledgeBase, server: FakeOpenAIServer) -> None:
    server.otherwise = 404
    with pytest.raises(ConfigurationError, match="ASSISTANT_CHAT_MODEL"):
        ask(QUESTION, knowledge=kb, settings=pointed_at(kb, server))


def test_assistant_ask_json_answers_from_the_model(
    server: FakeOpenAIServer, knowledge_dir: Path, tmp_path: Path
) -> None:
    """The CLI end to end; embeddings also come from the server, so no model file is loaded."""
    server.script = ["The digital economy was 42.8 percent of GDP in 2023 [1][9]."]
    env = {
        **os.environ,
        "OPENAI_BASE_URL": server.url, "ASSISTANT_CHAT_MODEL": MODEL,
        "ASSISTANT_EMBEDDING_MODEL": "openai:fake-embed",
        "ASSISTANT_KNOWLEDGE_DIR": str(knowledge_dir), "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
    }
    command = [str(Path(sys.executable).with_name("assistant")), "ask", "--json", QUESTION]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["mode"] == f"llm:{MODEL}"
    assert answer["stamp"]["embedding_model"] == "openai:fake-embed"
    assert answer["answer"] == "The digital economy was 42.8 percent of GDP in 2023 [1]."
    assert answer["verification"]["removed_citations"] == [9] and len(answer["citations"]) == 1
    assert server.chat_requests[0]["stream"] is True
