"""Block Kit messages for real answers from the bundled article, Slack markup in questions, and
the packaged app manifest. Hostile text in answers is tried in tests/reliability."""

from importlib import resources
from typing import Any

import pytest
import yaml

from assistant.answer.core import ask
from assistant.answer.draft import REFUSAL
from assistant.interfaces.slack_blocks import (
    answer_message,
    escape,
    progress_message,
    question_text,
    source_block,
)
from assistant.knowledge.base import KnowledgeBase
from assistant.types import Answer, Support

QUESTION = "What share of China's GDP was the digital economy in 2023?"


@pytest.fixture(scope="module")
def gdp_answer(bundled_kb: KnowledgeBase) -> Answer:
    return ask(QUESTION, knowledge=bundled_kb)


def shown(block: dict[str, Any]) -> str:
    """What a rich-text block reads as: its text, links as their URL, emoji as their code."""
    parts = []
    for part in block["elements"]:
        for element in part["elements"]:
            if element["type"] == "emoji":
                parts.append(f":{element['name']}:")
            else:
                parts.append(element.get("text") or element["url"])
    return "".join(parts)


def test_an_answer_has_markers_one_block_per_source_support_mode_and_buttons(
    gdp_answer: Answer,
) -> None:
    message = answer_message(gdp_answer, "a1b2")
    kinds = [b["type"] for b in message["blocks"]]
    assert kinds == ["rich_text"] * (1 + len(gdp_answer.citations)) + ["context", "actions"]
    assert shown(message["blocks"][0]) == gdp_answer.answer
    assert "42.8 percent" in gdp_answer.answer and "[1]" in gdp_answer.answer
    source = message["blocks"][1]
    citation = gdp_answer.citations[0]
    head, quote = source["elements"]
    assert head["elements"][0] == {"type": "text", "text": "[1] ", "style": {"bold": True}}
    assert {"type": "text", "text": citation.source, "style": {"code": True}} in head["elements"]
    assert quote["type"] == "rich_text_quote" and shown({"elements": [quote]}) == citation.quote
    assert gdp_answer.support.level == "related"
    status = message["blocks"][-2]["elements"][0]["text"]
    assert status.startswith(":warning: Related passage only: check the quote before relying on")
    assert "1/1 sentences match their" in status
    assert status.endswith("mode: extractive") and "Verified" not in status
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
    assert shown(message["blocks"][0]) == f":grey_question: {answer.answer}"
    assert answer.answer.startswith(REFUSAL)
    assert message["blocks"][-2]["elements"][0]["text"].startswith(
        ":grey_question: Not in the sources"
    )
    assert "Sources:" not in message["text"]


def test_a_related_passage_says_to_check_the_quote(gdp_answer: Answer) -> None:
    related = gdp_answer.model_copy(update={"support": Support(level="related", label="Related")})
    status = answer_message(related, "x")["blocks"][-2]["elements"][0]["text"]
    assert status.startswith(":warning: Related: check the quote before relying on it")


def test_a_section_is_named_unless_it_is_the_document_title(gdp_answer: Answer) -> None:
    citation = gdp_answer.citations[0]
    titled = shown(source_block(citation.model_copy(update={"section": citation.title})))
    assert titled.startswith(f"[1] {citation.title} (china-digital-trade.md)")
    inner = shown(source_block(citation.model_copy(update={"section": "Digital trade"})))
    assert inner.startswith(f"[1] {citation.title} · Digital trade (china-digital-trade.md)")


def test_long_answers_are_clipped_to_slacks_text_limit(gdp_answer: Answer) -> None:
    long = gdp_answer.model_copy(update={"answer": "word " * 2000})
    text = shown(answer_message(long, "x")["blocks"][0])
    assert len(text) == 3000 and text.endswith("…")


def test_a_streamed_preview_shows_the_text_so_far() -> None:
    message = progress_message("The digital economy made up")
    assert message["text"] == "The digital economy made up …"
    assert shown(message["blocks"][0]) == "The digital economy made up …"


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
