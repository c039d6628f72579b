"""Block Kit messages for real answers from the bundled article, Slack markup in questions, and
the packaged app manifest."""

from importlib import resources

import pytest
import yaml

from assistant.answer.core import ask
from assistant.answer.draft import REFUSAL
from assistant.interfaces.slack_blocks import (
    answer_message,
    escape,
    progress_message,
    question_text,
    source_line,
)
from assistant.knowledge.base import KnowledgeBase
from assistant.types import Answer

QUESTION = "What share of China's GDP was the digital economy in 2023?"


@pytest.fixture(scope="module")
def gdp_answer(bundled_kb: KnowledgeBase) -> Answer:
    return ask(QUESTION, knowledge=bundled_kb)


def test_an_answer_has_markers_one_context_per_source_status_mode_and_buttons(
    gdp_answer: Answer,
) -> None:
    message = answer_message(gdp_answer, "a1b2")
    kinds = [b["type"] for b in message["blocks"]]
    assert kinds == ["section"] + ["context"] * (len(gdp_answer.citations) + 1) + ["actions"]
    assert "42.8 percent" in message["blocks"][0]["text"]["text"]
    assert "[1]" in message["blocks"][0]["text"]["text"]
    source = message["blocks"][1]["elements"][0]["text"]
    citation = gdp_answer.citations[0]
    assert source.startswith("*[1]* ") and citation.section in source
    assert "`china-digital-trade.md`" in source and escape(citation.quote) in source
    status = message["blocks"][-2]["elements"][0]["text"]
    assert status.startswith(":white_check_mark: Verified") and status.endswith("mode: extractive")
    buttons = message["blocks"][-1]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("feedback_up", "a1b2"), ("feedback_down", "a1b2")
    ]


def test_the_text_fallback_carries_the_answer_and_its_documents(gdp_answer: Answer) -> None:
    text = answer_message(gdp_answer, "x")["text"]
    assert text.startswith(escape(gdp_answer.answer))
    assert text.endswith("Sources: china-digital-trade.md")


def test_an_abstention_is_worded_as_one(bundled_kb: KnowledgeBase) -> None:
    answer = ask("What is the capital of France?", knowledge=bundled_kb)
    message = answer_message(answer, "x")
    assert message["blocks"][0]["text"]["text"] == f":grey_question: {REFUSAL}"
    assert "No answer: the sources do not cover this" in str(message["blocks"])
    assert "Sources:" not in message["text"]


def test_a_section_is_named_unless_it_is_the_document_title(gdp_answer: Answer) -> None:
    citation = gdp_answer.citations[0]
    titled = source_line(citation.model_copy(update={"section": citation.title}))
    assert titled.startswith(f"*[1]* {citation.title} (`china-digital-trade.md`)")
    inner = source_line(citation.model_copy(update={"section": "Digital trade"}))
    assert inner.startswith(f"*[1]* {citation.title} · _Digital trade_ (`china-digital-trade.md`)")


def test_document_text_cannot_inject_slack_markup(gdp_answer: Answer) -> None:
    citation = gdp_answer.citations[0].model_copy(
        update={"quote": "Growth <!channel> & <https://evil.example|click>", "section": "A > B"}
    )
    line = source_line(citation)
    assert "<!channel>" not in line and "&lt;!channel&gt; &amp; &lt;https" in line
    assert "A &gt; B" in line


def test_long_answers_are_clipped_to_slacks_section_limit(gdp_answer: Answer) -> None:
    long = gdp_answer.model_copy(update={"answer": "word " * 2000})
    section = answer_message(long, "x")["blocks"][0]["text"]["text"]
    assert len(section) == 3000 and section.endswith("…")


def test_a_streamed_preview_shows_the_text_so_far() -> None:
    message = progress_message("The digital economy made up")
    assert message["text"] == "The digital economy made up …"
    assert message["blocks"][0]["text"]["text"] == "The digital economy made up …"


@pytest.mark.parametrize(
    ("slack_text", "question"),
    [
        ("<@U0BOT> What share of GDP?", "What share of GDP?"),
        ("<@U0BOT|assistant>   is 3 &lt; 4 &amp;&amp; 5 &gt; 2?", "is 3 < 4 && 5 > 2?"),
        ("see <https://example.org/a|the report> in <#C0123|trade>", "see the report in #trade"),
        ("<!here> and <https://example.org/b>?", "and https://example.org/b?"),
        ("<@U0BOT>", ""),
    ],
)
def test_questions_are_read_without_slack_markup(slack_text: str, question: str) -> None:
    assert question_text(slack_text) == question


def test_the_manifest_subscribes_to_what_the_bot_handles() -> None:
    text = resources.files("assistant.interfaces").joinpath("slack_manifest.yaml").read_text()
    manifest = yaml.safe_load(text)
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert settings["interactivity"]["is_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "im:history", "channels:history"} <= scopes
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
