"""Slack messages for answers as plain dicts: Block Kit blocks plus a ``text`` fallback.

Pure functions of an ``Answer``; no Slack client is involved, so they are tested directly.
"""

import re
from collections.abc import Iterable
from typing import Any

from assistant.feedback import Rating
from assistant.interfaces.support_summary import support_summary
from assistant.types import Answer, Citation

Message = dict[str, Any]
Block = dict[str, Any]
Element = dict[str, Any]

PLACEHOLDER = ":hourglass_flowing_sand: Looking through the sources…"
FEEDBACK_ACTIONS: dict[str, Rating] = {"feedback_up": "up", "feedback_down": "down"}
FEEDBACK_THANKS = {
    "up": "Thanks! Recorded as helpful.",
    "down": "Thanks! Recorded as not helpful; it helps us improve the answers.",
}
FEEDBACK_ALREADY = "You have already rated this answer; your first rating stands."
FEEDBACK_EXPIRED = (
    "That answer is too old to rate (the bot has restarted or answered many questions since). "
    "Ask again to rate a fresh answer."
)
GENERIC_FAILURE = (
    ":warning: Sorry, something went wrong while answering. It has been logged; please try again."
)

# Slack's limits: 3000 characters per text, 50 blocks per message.
_TEXT_LIMIT = 3000
_QUOTE_LIMIT = 400
_MAX_SOURCES = 10
_MENTION = re.compile(r"<[@!][^>]*>")
_LINK = re.compile(r"<(?:#[A-Z0-9]+\|(?P<channel>[^>]+)|(?P<url>[^|>]+)(?:\|(?P<label>[^>]+))?)>")
_URL = re.compile(r"https?://[^\s<>\"'`]+")
_URL_TAIL = ".,;:!?)]}"
_SUPPORT_EMOJI = {
    "answered": ":white_check_mark:", "related": ":warning:", "summary": ":page_facing_up:",
    "declined": ":grey_question:"
}


def escape(text: str) -> str:
    """Slack reads ``&``, ``<`` and ``>`` as markup; document text must not be."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _link_text(match: re.Match[str]) -> str:
    if match["channel"]:
        return "#" + match["channel"]
    return match["label"] or match["url"]


def question_text(slack_text: str) -> str:
    """Message markup as plain text: no mentions (of the bot or anyone), links as their text."""
    plain = _LINK.sub(_link_text, _MENTION.sub(" ", slack_text))
    return " ".join(unescape(plain).split())


def _clip(text: str, limit: int) -> str:
    """Raw text cut to ``limit`` characters; clipped before any escaping, so no entity or
    link is cut in half."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text(text: str, **style: bool) -> Element:
    element: Element = {"type": "text", "text": text}
    return {**element, "style": style} if style else element


def _emoji(name: str) -> Element:
    return {"type": "emoji", "name": name}


def _inline(text: str, passages: Iterable[str] = ()) -> list[Element]:
    """Untrusted text as rich-text elements, which Slack shows literally: no mrkdwn, mentions,
    emoji codes or automatic links. A URL becomes a link only where a cited passage holds it."""
    passages = list(passages)
    elements: list[Element] = []
    shown = 0
    for match in _URL.finditer(text):
        url = match[0].rstrip(_URL_TAIL)
        if any(url in passage for passage in passages):
            elements += [_text(text[shown : match.start()]), {"type": "link", "url": url}]
            shown = match.start() + len(url)
    return [*elements, _text(text[shown:])]


def _rich(*elements: Element, quote: bool = False) -> Block:
    kind = "rich_text_quote" if quote else "rich_text_section"
    kept = [e for e in elements if e.get("text", True)]  # Slack refuses empty text elements
    return {"type": "rich_text", "elements": [{"type": kind, "elements": kept}]}


def _context(text: str) -> Block:
    """Small print of our own wording; never document or model text."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def notice_message(text: str) -> Message:
    """A short reply in our own words that is not an answer: rate limits, the placeholder."""
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def warning_message(problem: str) -> Message:
    """A problem the user can act on, whose wording may quote their input: shown literally."""
    problem = _clip(problem, _TEXT_LIMIT)
    return {
        "text": f":warning: {escape(problem)}",
        "blocks": [_rich(_emoji("warning"), _text(" " + problem))],
    }


def progress_message(partial: str) -> Message:
    """The answer so far, while a model is still writing it."""
    shown = _clip(partial.strip(), _TEXT_LIMIT) + " …"
    return {"text": escape(shown), "blocks": [_rich(*_inline(shown)), _context(PLACEHOLDER)]}


def source_block(citation: Citation) -> Block:
    """``[n]`` document · section (file), then the quoted sentence, links only to its own URLs."""
    section = [_text(" · "), _text(citation.section, italic=True)]
    head = _rich(
        _text(f"[{citation.n}] ", bold=True), _text(citation.title or citation.source),
        *(section if citation.section != citation.title else []),
        _text(" ("), _text(citation.source, code=True), _text(")"),
    )
    quote = _rich(*_inline(_clip(citation.quote, _QUOTE_LIMIT), [citation.quote]), quote=True)
    return {**head, "elements": head["elements"] + quote["elements"]}


def status_line(answer: Answer) -> str:
    """The support level in words, how many sentences matched their passages, and the mode."""
    emoji = _SUPPORT_EMOJI.get(answer.support.level, ":grey_question:")
    return f"{emoji} " + " · ".join([*support_summary(answer), f"mode: {answer.mode}"])


def fallback_text(answer: Answer) -> str:
    """What notifications and screen readers show: the answer and the documents it cites."""
    sources = ", ".join(dict.fromkeys(c.source for c in answer.citations))
    suffix = f"\nSources: {sources}" if sources else ""
    return escape(_clip(answer.answer, _TEXT_LIMIT) + suffix)


def _feedback_buttons(answer_id: str) -> Block:
    labels = {"feedback_up": ":thumbsup: Helpful", "feedback_down": ":thumbsdown: Not helpful"}
    return {
        "type": "actions",
        "block_id": "feedback",
        "elements": [
            {
                "type": "button",
                "action_id": action_id,
                "value": answer_id,
                "text": {"type": "plain_text", "text": label, "emoji": True},
            }
            for action_id, label in labels.items()
        ],
    }


def answer_message(answer: Answer, answer_id: str) -> Message:
    """The answer with its ``[n]`` markers, one block per source, its support and buttons; a
    reply to small talk or about the assistant is the text alone.

    Document and model text go in rich-text elements, so none of it formats the message;
    only URLs a cited passage holds are links."""
    if answer.support.level == "no_claims":
        reply = _rich(*_inline(_clip(answer.answer, _TEXT_LIMIT)))
        return {"text": fallback_text(answer), "blocks": [reply]}
    lead = [_emoji("grey_question"), _text(" ")] if answer.support.level == "declined" else []
    passages = [c.quote for c in answer.citations]
    blocks = [_rich(*lead, *_inline(_clip(answer.answer, _TEXT_LIMIT), passages))]
    if answer.notice:
        notice = _clip(answer.notice, _TEXT_LIMIT)
        blocks.append(_rich(_emoji("information_source"), _text(" " + notice)))
    if answer.model_draft:  # literal text: a failed draft's links never become live
        draft = _clip(" ".join(answer.model_draft.text.split()), _QUOTE_LIMIT)
        blocks.append(_rich(_text("Unverified model draft, not the answer: ", italic=True),
                            _text(draft)))
    blocks += [source_block(c) for c in answer.citations[:_MAX_SOURCES]]
    if len(answer.citations) > _MAX_SOURCES:
        blocks.append(_context(f"…and {len(answer.citations) - _MAX_SOURCES} more sources"))
    blocks += [_context(status_line(answer)), _feedback_buttons(answer_id)]
    return {"text": fallback_text(answer), "blocks": blocks}


def thread_turn(
    message: dict[str, Any], bot_user_id: str | None, bot_id: str | None
) -> dict[str, str] | None:
    """A message of a thread as a conversation turn: this bot's as the assistant's, people's as
    the user's; other bots' messages and the placeholder are left out."""
    text = question_text(message.get("text", ""))
    if not text or message.get("text") == PLACEHOLDER:
        return None
    sender_bot = message.get("bot_id")
    if message.get("user") == bot_user_id or (sender_bot and sender_bot == bot_id):
        return {"role": "assistant", "content": text}
    return None if sender_bot else {"role": "user", "content": text}
