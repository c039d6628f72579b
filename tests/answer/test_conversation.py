"""Small talk, help, the document list and summaries through the one ``ask``, offline and with
a model (LangChain's fake chat models)."""

from collections.abc import Iterator

import httpx2
import openai
import pytest
from langchain_core.language_models import GenericFakeChatModel

from assistant.answer.core import ask, ask_stream
from assistant.answer.draft import REFUSAL
from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.chunking import drop_footnote_marks
from assistant.knowledge.ingest import sync
from assistant.types import Answer
from tests.conftest import ARTICLE
from tests.fakes import FakeOpenAIServer, KeywordHashEmbeddings

QUESTION = "What share of China's GDP was the digital economy in 2023?"
HISTORY = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "42.8% [1]"}]
HARBOUR = (
    "# Harbour report\n\n## Traffic\n\nThe Northgate harbour handled 3.2 million containers in "
    "2024, a record for the port.\n\n## Staff\n\nThe harbour employed 1,200 dock workers on three "
    "shifts during the year.\n"
)


def never_called() -> GenericFakeChatModel:
    def replies() -> Iterator[str]:
        raise AssertionError("the model was asked")
        yield ""

    return GenericFakeChatModel(messages=replies())


@pytest.fixture
def two_documents(settings: Settings) -> KnowledgeBase:
    (settings.knowledge_dir / "harbour-report.md").write_text(HARBOUR, encoding="utf-8")
    kb = KnowledgeBase(settings, embeddings=KeywordHashEmbeddings())
    sync(kb)
    return kb


@pytest.mark.parametrize(
    ("message", "intent", "words"),
    [("hi", "greeting", "Hello"), ("thanks!", "thanks", "welcome"), ("bye", "goodbye", "Goodbye"),
     ("What can you do?", "help", "You can ask")],
)
def test_small_talk_gets_a_short_reply_without_sources_or_the_previous_question(
    bundled_kb: KnowledgeBase, message: str, intent: str, words: str
) -> None:
    answer = ask(message, history=HISTORY, knowledge=bundled_kb, chat_model=never_called())
    assert answer.intent == intent and words in answer.answer
    assert answer.citations == [] and "[1]" not in answer.answer and "42.8" not in answer.answer
    assert answer.standalone_question == message
    assert answer.verification.status == "no_claims" and answer.support.level == "no_claims"
    assert not answer.abstained and answer.mode == "conversation"


def test_a_greeting_on_an_empty_knowledge_base_says_how_to_add_documents(
    settings: Settings,
) -> None:
    kb = KnowledgeBase(settings, embeddings=KeywordHashEmbeddings())
    answer = ask("hello", knowledge=kb)
    assert answer.intent == "greeting" and "empty" in answer.answer
    assert "assistant ingest" in ask("what documents do you have?", knowledge=kb).answer


def test_a_question_after_small_talk_does_not_borrow_it(bundled_kb: KnowledgeBase) -> None:
    history = [*HISTORY, {"role": "user", "content": "thanks"},
               {"role": "assistant", "content": "You're welcome!"}]
    answer = ask("And in 2015?", history=history, knowledge=bundled_kb)
    assert "thanks" not in answer.standalone_question
    assert "2015" in answer.standalone_question and "27 percent" in answer.answer


def test_a_greeting_in_front_of_a_question_is_answered_as_the_question(
    bundled_kb: KnowledgeBase,
) -> None:
    answer = ask(f"Hi! {QUESTION}", knowledge=bundled_kb)
    assert answer.intent == "question" and "42.8 percent" in answer.answer


def test_the_document_list_gives_each_title_and_one_cited_line(
    two_documents: KnowledgeBase,
) -> None:
    answer = ask("What documents do you have?", knowledge=two_documents)
    assert answer.intent == "documents" and answer.answer.startswith("I answer from 2 documents")
    lines = answer.answer.splitlines()[1:]
    assert [line.split(" (")[0] for line in lines] == [
        "• China’s Digital Economy and Digital Trade", "• Harbour report"
    ]
    assert lines[0].endswith("[1]") and lines[1].endswith("[2]")
    assert [c.source for c in answer.citations] == ["china-digital-trade.md", "harbour-report.md"]
    assert answer.verification.status == "verified"


def test_the_summary_quotes_central_sentences_of_each_section_in_order(
    bundled_kb: KnowledgeBase,
) -> None:
    for message in ("summarize the article", "What is this document about?",
                    "main points of the article"):
        answer = ask(message, knowledge=bundled_kb)
        assert answer.intent == "summary" and answer.verification.status == "verified"
        assert answer.support.level == "summary"
        checks = answer.verification.sentences
        assert 3 <= len(checks) <= 6 and all(c.citations for c in checks)
        assert len({c.section for c in answer.citations}) >= 3
        starts = [c.start for c in answer.citations]
        assert starts == sorted(starts)
        article = drop_footnote_marks(ARTICLE.read_text(encoding="utf-8"))
        assert all(c.quote in article for c in answer.citations)


def test_several_documents_get_one_line_each_and_a_named_one_its_summary(
    two_documents: KnowledgeBase,
) -> None:
    overview = ask("summarize the article", knowledge=two_documents)
    assert overview.answer.startswith("The knowledge base holds 2 documents")
    assert len(overview.citations) == 2
    harbour = ask("Summarize the harbour report", knowledge=two_documents)
    assert harbour.intent == "summary" and {c.source for c in harbour.citations} == {
        "harbour-report.md"
    }
    assert "3.2 million containers" in harbour.answer


def test_a_question_shaped_like_a_summary_request_goes_to_the_sources(
    bundled_kb: KnowledgeBase,
) -> None:
    answer = ask(
        "What are the main points of contention in China's bid to join the CPTPP?",
        knowledge=bundled_kb,
    )
    assert answer.intent == "question"
    assert "How does the summary" in ask(
        "How does the summary of the 2021 plan describe e-commerce?", knowledge=bundled_kb
    ).question


def test_a_model_writes_the_summary_from_the_central_sentences(
    bundled_kb: KnowledgeBase,
) -> None:
    """Through the real openai client against a local OpenAI-compatible server."""
    reply = (
        "China treats the digital economy as a new engine of growth since 2015 [1]. Its "
        "approach to digital trade grew out of e-commerce platforms [2]."
    )
    with FakeOpenAIServer(reply) as server:
        settings = bundled_kb.settings.model_copy(
            update={"openai_base_url": server.url, "chat_model": "fake-llm", "llm_max_retries": 0}
        )
        events = list(ask_stream("summarize the article", knowledge=bundled_kb, settings=settings))
    answer = events[-1]
    assert isinstance(answer, Answer) and answer.intent == "summary"
    assert answer.answer.startswith("Summary of “China’s Digital Economy and Digital Trade”")
    assert answer.mode == "llm:fake-llm" and answer.verification.status == "verified"
    first = answer.citations[0]
    assert "new engine" in first.quote and len(first.chunk_text) > len(first.quote)
    assert first.chunk_text[first.start - first.chunk_start :].startswith(first.quote)
    assert "grew out of e-commerce" in "".join(e for e in events if isinstance(e, str))
    [request] = server.chat_requests
    prompt = request["messages"][-1]["content"]
    assert prompt.count("<source id=") == 8 and "Summarize the document" in prompt
    assert "“new engine” of economic growth since 2015" in prompt


def test_a_model_figure_the_sentences_lack_is_flagged(bundled_kb: KnowledgeBase) -> None:
    model = GenericFakeChatModel(messages=iter([
        "The digital economy made up 51 percent of GDP [1].",
        "The digital economy made up 51 percent of GDP [1].",
    ]))
    answer = ask("summarize the article", knowledge=bundled_kb, chat_model=model)
    assert answer.verification.unsupported_numbers == ["51 percent"]
    assert answer.support.level != "answered"


@pytest.mark.parametrize("reply", ["error", REFUSAL])
def test_without_a_model_summary_the_central_sentences_stand_in(
    bundled_kb: KnowledgeBase, reply: str
) -> None:
    def replies() -> Iterator[str]:
        if reply == "error":
            raise openai.APIConnectionError(request=httpx2.Request("POST", "http://127.0.0.1:9"))
        yield reply

    model = GenericFakeChatModel(messages=replies())
    answer = ask("summarize the article", knowledge=bundled_kb, chat_model=model)
    assert answer.mode == "extractive" and answer.intent == "summary"
    assert 3 <= len(answer.verification.sentences) <= 6 and "central sentences" in answer.notice
