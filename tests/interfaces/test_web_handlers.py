"""The page's handlers called directly: a stub ``ask_stream``, a real store, real files."""

import json
from typing import Any

import gradio as gr
import pytest

from assistant.errors import InvalidQuestionError, StoreUnavailableError
from assistant.interfaces.web import ChatPage
from assistant.interfaces.web_files import safe_file_name
from assistant.interfaces.web_render import EMPTY_SOURCES
from assistant.knowledge.base import KnowledgeBase
from assistant.search.retrieve import search
from tests.fakes import FakeOpenAIServer
from tests.interfaces.web_doubles import QUOTE, StubAsk, make_answer


def page_with(kb: KnowledgeBase, ask_stream: StubAsk) -> ChatPage:
    return ChatPage.open(kb, ask_stream)


def run(
    page: ChatPage, question: str, chat: list[Any] | None = None, answers: Any = None
) -> list[tuple[Any, ...]]:
    return list(page.respond(question, chat or [], answers or {}))


def test_respond_streams_pieces_then_the_cited_answer(kb: KnowledgeBase) -> None:
    page = page_with(kb, StubAsk(pieces=("The digital ", "economy")))
    steps = run(page, "What share of GDP was the digital economy in 2023?")
    first_chat = steps[0][0]
    assert first_chat[0]["role"] == "user" and "answer-streaming" in first_chat[1]["content"]
    assert "The digital economy" in steps[2][0][1]["content"]
    chat, sources, answers, textbox = steps[-1]
    assert '<a class="cite" href="#src-1-1">[1]</a>' in chat[1]["content"]
    assert 'class="claim claim-supported"' in chat[1]["content"]
    assert f'<mark class="quote">{QUOTE}</mark>' in sources
    assert 'id="src-1-1"' in sources
    assert list(answers) == [1] and textbox == ""


def test_follow_up_questions_carry_the_conversation(kb: KnowledgeBase) -> None:
    stub = StubAsk()
    page = page_with(kb, stub)
    *_, (chat, _, answers, _) = run(page, "What share of GDP was the digital economy?")
    *_, (chat, _, answers, _) = page.respond("And in 2015?", chat, answers)
    assert stub.calls[1]["history"] == [
        {"role": "user", "content": "What share of GDP was the digital economy?"},
        {"role": "assistant", "content": f"{QUOTE} [1]"},
    ]
    assert sorted(answers) == [1, 3] and "#src-3-1" in chat[3]["content"]
    assert 'id="src-1-1"' in page.sources_for(answers, 1)


def test_user_and_document_text_is_escaped(kb: KnowledgeBase) -> None:
    chunk = "Intro <img src=x onerror=alert(1)> text. ${value} {{value}} is the total."
    answer = make_answer(chunk=chunk, quote="${value} {{value}} is the total.")
    page = page_with(kb, StubAsk(answer=answer))
    *_, (chat, sources, _, _) = run(page, "<script>alert('x')</script>")
    assert "<script>" not in chat[0]["content"] and "&lt;script&gt;" in chat[0]["content"]
    assert "<img" not in sources and "&lt;img src=x onerror=alert(1)&gt;" in sources
    assert "${" not in sources and "{{" not in sources and "&#36;&#123;value&#125;" in sources


def test_an_abstention_is_styled_apart_from_answers(kb: KnowledgeBase) -> None:
    page = page_with(kb, StubAsk(answer=make_answer(abstained=True), pieces=()))
    *_, (chat, sources, _, _) = run(page, "What is the weather on Mars?")
    assert 'class="abstention"' in chat[1]["content"] and "answer-body" not in chat[1]["content"]
    assert "Not in the sources" in chat[1]["content"] and 'class="cite"' not in chat[1]["content"]
    assert "No passage in the knowledge base answers this" in sources


def test_unverified_claims_and_model_mode_are_shown(kb: KnowledgeBase) -> None:
    answer = make_answer(supported=False, mode="gpt-4o-mini")
    page = page_with(kb, StubAsk(answer=answer))
    *_, (chat, sources, _, _) = run(page, "What share?")
    assert 'class="claim claim-unverified"' in chat[1]["content"]
    assert 'title="figure 42.8 not in the cited passage">unverified<' in chat[1]["content"]
    assert "Model · gpt-4o-mini" in chat[1]["content"]
    assert chat[1]["content"].count("Related passage only") == 1
    assert "<q>What share?</q>" in sources


def test_a_model_answer_streams_into_the_chat(kb: KnowledgeBase) -> None:
    question = "What share of China's GDP was the digital economy in 2023?"
    claim = "The digital economy made up 42.8 percent of GDP in 2023"
    with FakeOpenAIServer() as server:
        kb.settings.openai_base_url, kb.settings.chat_model = server.url, "fake-llm"
        hits = search(kb, question, kb.settings.top_k).hits
        n = next(n for n, hit in enumerate(hits, 1) if "42.8 percent" in hit.text)
        server.script = [f"{claim} [{n}]."]
        steps = list(ChatPage.open(kb).respond(question, [], {}))
    streamed = [step[0][1]["content"] for step in steps[1:-1]]
    assert len(streamed) > 3 and all("answer-streaming" in html for html in streamed)
    chat, sources, answers, _ = steps[-1]
    message = chat[1]["content"]
    assert answers[1].mode == "llm:fake-llm" and "Model · fake-llm" in message
    assert (
        f'<span class="claim claim-supported">{claim} <a class="cite" href="#src-1-1">[1]</a>.'
        "</span>"
    ) in message
    assert '<mark class="quote">' in sources and "42.8 percent of GDP in 2023" in sources


def test_an_invalid_question_warns_and_gives_the_text_back(kb: KnowledgeBase) -> None:
    error = InvalidQuestionError("The question is empty: type a question about the documents.")
    page = page_with(kb, StubAsk(error=error))
    with pytest.warns(UserWarning, match="The question is empty"):
        steps = run(page, "   ")
    chat, _, answers, textbox = steps[-1]
    assert chat == [] and answers == {} and textbox == "   "


def test_a_store_failure_is_a_gradio_error_with_its_message(kb: KnowledgeBase) -> None:
    page = page_with(kb, StubAsk(error=StoreUnavailableError("The store at /x cannot be read.")))
    steps = page.respond("A question?", [], {})
    next(steps)
    chat, _, _, textbox = next(steps)
    assert chat == [] and textbox == "A question?"
    with pytest.raises(gr.Error, match=r"The store at /x cannot be read\."):
        next(steps)


def test_notices_show_names_as_text(kb: KnowledgeBase) -> None:
    page = page_with(kb, StubAsk(error=StoreUnavailableError("Cannot open <b>/data</b> & retry.")))
    with pytest.raises(gr.Error, match=r"Cannot open &lt;b&gt;/data&lt;/b&gt; &amp; retry\."):
        list(page.respond("A question?", [], {}))


def test_thumbs_down_with_a_comment_is_stored(kb: KnowledgeBase) -> None:
    page = page_with(kb, StubAsk())
    *_, (_, _, answers, _) = run(page, "What share of GDP was the digital economy?")
    assert page.rate(answers, "  wrong year ", 1, False) == ""
    assert page.rate(answers, "", 1, True) == ""
    down = page.feedback.records("down")
    assert [(r.comment, r.interface) for r in down] == [("wrong year", "web")]
    assert down[0].question == "What share of GDP was the digital economy?"
    assert down[0].citations[0]["quote"] == QUOTE
    assert [r.rating for r in page.feedback.records()] == ["down", "up"]


def test_rating_a_message_without_an_answer_only_warns(kb: KnowledgeBase) -> None:
    page = page_with(kb, StubAsk())
    with pytest.warns(UserWarning, match="rate it once it is finished"):
        assert page.rate({}, "keep me", 1, False) == "keep me"
    assert page.rate({1: make_answer()}, "withdrawn", 1, "") == "withdrawn"
    assert page.feedback.records() == []


def test_ask_api_returns_the_answer_as_json(kb: KnowledgeBase) -> None:
    result = page_with(kb, StubAsk()).ask_api("What share?")
    assert result["answer"] == f"{QUOTE} [1]" and result["citations"][0]["n"] == 1
    with pytest.raises(gr.Error, match="too long"):
        page_with(kb, StubAsk(error=InvalidQuestionError("The question is too long"))).ask_api("x")


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/notes.md", "notes.md"),
        ("..\\..\\windows\\report.TXT", "report.txt"),
        (".hidden.md", "hidden.md"),
        ("a<b>|c.md", "a-b-c.md"),
        ("Quarterly report (final).docx", "Quarterly report (final).docx"),
    ],
)
def test_upload_names_are_made_safe(name: str, safe: str) -> None:
    assert safe_file_name(name) == safe


@pytest.mark.parametrize("name", ["tool.exe", "archive.md.zip", "...md", "..", "noext"])
def test_unsupported_upload_names_are_refused(name: str) -> None:
    with pytest.raises(Exception, match=r"not a supported file; allowed: \.txt"):
        safe_file_name(name)


def test_examples_come_from_the_bundled_article(kb: KnowledgeBase) -> None:
    examples = page_with(kb, StubAsk()).examples()
    assert "What is the Digital Silk Road?" in examples
    assert examples[-2:] == ["Summarize the documents", "What documents do you have?"]


def test_the_conversation_is_kept_and_rebuilt_from_the_browser(kb: KnowledgeBase) -> None:
    page = page_with(kb, StubAsk())
    *_, (chat, sources, answers, _) = run(page, "First question?")
    *_, (chat, sources, answers, _) = run(page, "Second question?", chat, answers)
    stored = json.loads(json.dumps(page.remember(answers)))
    restored_chat, restored, panel = page.restore(stored)
    assert restored_chat == chat and sorted(restored) == sorted(answers) == [1, 3]
    assert restored[3].question == "Second question?" and panel == sources
    assert page.restore([{"not": "an answer"}]) == ([], {}, EMPTY_SOURCES)
    assert page.restore(None) == ([], {}, EMPTY_SOURCES)
