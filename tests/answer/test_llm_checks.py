"""What a weak model's answers exposed, each as a kind, against a scripted OpenAI-compatible
server on 127.0.0.1: figures looked up in every retrieved passage, list numbering and echoed
tags that are no figures, refusals as a whole answer, condensed questions checked before use,
and a refused request named for what it is."""

from typing import Any

import pytest

from assistant.answer.core import ask
from assistant.answer.draft import REFUSAL
from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.search.retrieve import search
from tests.fakes import FakeOpenAIServer, Malformed

QUESTION = "What share of China's GDP was the digital economy in 2023?"
CLAIM = "The digital economy made up 42.8 percent of GDP in 2023"
HISTORY = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "42.8%."}]


def on(kb: KnowledgeBase, server: FakeOpenAIServer, **changes: Any) -> Settings:
    update = {"openai_base_url": server.url, "chat_model": "fake-llm", "llm_timeout": 20.0,
              **changes}
    return kb.settings.model_copy(update=update)


def number_of(kb: KnowledgeBase, phrase: str, k: int, question: str = QUESTION) -> int:
    hits = search(kb, question, k).hits
    return next(n for n, hit in enumerate(hits, start=1) if phrase in hit.text)


def test_an_uncited_figure_the_sources_hold_is_not_called_made_up(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    n = number_of(kb, "42.8 percent", 3)
    reply = f"{CLAIM} [{n}]. It was 27 percent in 2015."
    server.script = [reply, f"{CLAIM} [{n}], up from 27 percent in 2015 [{n}]."]
    answer = ask(QUESTION, knowledge=kb, settings=on(kb, server), k=3)
    repair = server.chat_requests[1]["messages"][-1]["content"]
    assert "cite no source: “It was 27 percent in 2015.”" in repair
    assert "none of the sources" not in repair and "27 percent" not in repair.split("cite")[0]
    assert answer.verification.status == "verified" and answer.verification.repaired


@pytest.mark.parametrize(
    "reply",
    [
        "1. {claim} [{n}].\n2. It was up from 27 percent in 2015 [{n}].",
        '{claim} <source id="{n}"> [{n}].',
    ],
)
def test_list_numbering_and_echoed_tags_are_not_figures(
    kb: KnowledgeBase, server: FakeOpenAIServer, reply: str
) -> None:
    n = number_of(kb, "42.8 percent", 2)
    server.script = [reply.format(claim=CLAIM, n=n)]
    answer = ask(QUESTION, knowledge=kb, settings=on(kb, server))
    assert answer.mode == "llm:fake-llm" and answer.verification.status == "verified"
    assert answer.verification.unsupported_numbers == [] and len(server.chat_requests) == 1


def test_a_paraphrased_refusal_abstains(
    bundled_kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    server.script = ["The provided sources don't say."]
    answer = ask("Who won the 1998 World Cup?", knowledge=bundled_kb,
                 settings=on(bundled_kb, server))
    assert answer.abstained and answer.answer == REFUSAL and answer.mode == "llm:fake-llm"
    assert answer.support.level == "declined"


def test_a_refusal_after_claims_is_no_abstention(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    reply = f"The answer is 2024, 2023. {REFUSAL}"
    server.script = [reply, reply]
    answer = ask(QUESTION, knowledge=kb, settings=on(kb, server))
    assert not answer.abstained and answer.mode == "extractive" and "42.8" in answer.answer
    assert answer.model_draft is not None
    checks = answer.model_draft.verification.sentences
    assert ("The answer is 2024, 2023.", "no citation") in [(c.sentence, c.reason) for c in checks]
    repair = server.chat_requests[1]["messages"][-1]["content"]
    assert "cite no source: “The answer is 2024, 2023.”." in repair


@pytest.mark.parametrize(
    "rewrite",
    [
        "User: 2035 [1]",
        "What share of China's GDP was the digital economy in 2035?",  # an invented year
        QUESTION,  # the previous question again: 2015 was lost
        "The digital economy was 27 percent of GDP in 2015.",  # an answer, not a question
    ],
)
def test_an_unusable_rewrite_of_a_follow_up_gives_way_to_the_offline_one(
    kb: KnowledgeBase, server: FakeOpenAIServer, rewrite: str
) -> None:
    server.script = [rewrite, "It was 27 percent in 2015 [1]."]
    answer = ask("And in 2015?", history=HISTORY, knowledge=kb, settings=on(kb, server))
    assert answer.standalone_question != rewrite
    assert "2015" in answer.standalone_question and "GDP" in answer.standalone_question
    assert "2035" not in answer.standalone_question


def test_a_standalone_question_is_not_sent_for_rewriting(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    question = "How many cross-border e-commerce pilot zones has China set up?"
    server.script = ["China has set up 165 cross-border e-commerce pilot zones [1]."]
    answer = ask(question, history=HISTORY, knowledge=kb, settings=on(kb, server))
    assert answer.standalone_question == question
    first = server.chat_requests[0]["messages"][-1]["content"]
    assert "<sources>" in first and "<conversation>" not in first


def test_a_refused_request_is_not_called_unreachable(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    server.otherwise = 400
    answer = ask(QUESTION, knowledge=kb, settings=on(kb, server))
    assert answer.mode == "extractive" and "42.8 percent" in answer.answer
    assert "refused the request (400: scripted 400)" in answer.notice
    assert "unavailable" not in answer.notice and len(server.chat_requests) == 1


def test_a_stream_closed_before_any_text_is_explained_by_the_server(
    kb: KnowledgeBase, server: FakeOpenAIServer
) -> None:
    """llama-cpp-python's server closes a stream whose prompt is longer than its context; asked
    again without streaming it says why."""
    server.script = [Malformed("data: [DONE]\n\n", "text/event-stream"), 400]
    answer = ask(QUESTION, knowledge=kb, settings=on(kb, server))
    assert answer.mode == "extractive" and "refused the request (400" in answer.notice
    empty, probe = server.chat_requests
    assert empty["stream"] is True and not probe.get("stream") and probe["max_tokens"] == 1
