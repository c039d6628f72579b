"""Slack messages for answers as plain dicts: Block Kit blocks plus a ``text`` fallback.

Pure functions of an ``Answer``; no Slack client is involved, so they are tested directly.
"""

import re
from typing import Any

from assistant.feedback import Rating
from assistant.types import Answer, Citation

Message = dict[str, Any]

PLACEHOLDER = ":hourglass_flowing_sand: Looking through the sources…"
FEEDBACK_ACTIONS: dict[str, Rating] = {"feedback_up": "up", "feedback_down": "down"}
FEEDBACK_THANKS = {
    "up": "Thanks! Recorded as helpful.",
    "down": "Thanks! Recorded as not helpful; it helps us improve the answers.",
}
FEEDBACK_EXPIRED = (
    "That answer is too old to rate (the bot has restarted or answered many questions since). "
    "Ask again to rate a fresh answer."
)
GENERIC_FAILURE = (
    ":warning: Sorry, something went wrong while answering. It has been logged; please try again."
)

# Slack's limits: 3000 characters per section text, 50 blocks per message.
_SECTION_LIMIT = 3000
_QUOTE_LIMIT = 400
_MAX_SOURCES = 10
_MENTION = re.compile(r"<[@!][^>]*>")
_LINK = re.compile(r"<(?:#[A-Z0-9]+\|(?P<channel>[^>]+)|(?P<url>[^|>]+)(?:\|(?P<label>[^>]+))?)>")
_STATUS = {
    "verified": ":white_check_mark: Verified: every sentence and figure matches its source",
    "partially_verified": ":warning: Partly verified: some sentences or figures could not be "
    "matched to the sources",
    "unverified": ":x: Not verified: check the sources before relying on this",
    "abstained": ":grey_question: No answer: the sources do not cover this, so none was made up",
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
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, _SECTION_LIMIT)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, 2000)}]}


def notice_message(text: str) -> Message:
    """A short reply that is not an answer: rate limits, errors, the placeholder."""
    return {"text": text, "blocks": [_section(text)]}


def progress_message(partial: str) -> Message:
    """The answer so far, while a model is still writing it."""
    text = escape(partial.strip()) + " …"
    return {"text": text, "blocks": [_section(text), _context(PLACEHOLDER)]}


def source_line(citation: Citation) -> str:
    """``[n]`` document · section, then the quoted sentence."""
    document = escape(citation.title or citation.source)
    section = f" · _{escape(citation.section)}_" if citation.section != citation.title else ""
    where = f"*[{citation.n}]* {document}{section} (`{escape(citation.source)}`)"
    return f"{where}\n“{escape(_clip(citation.quote, _QUOTE_LIMIT))}”"


def status_line(answer: Answer) -> str:
    status = _STATUS.get(answer.verification.status, answer.verification.status)
    return f"{status} · mode: {answer.mode}"


def fallback_text(answer: Answer) -> str:
    """What notifications and screen readers show: the answer and the documents it cites."""
    sources = ", ".join(dict.fromkeys(c.source for c in answer.citations))
    suffix = f"\nSources: {sources}" if sources else ""
    return escape(answer.answer) + escape(suffix)


def _feedback_buttons(answer_id: str) -> dict[str, Any]:
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
    """The answer with its ``[n]`` markers, one context block per source, status and buttons."""
    lead = ":grey_question: " if answer.abstained else ""
    blocks = [_section(lead + escape(answer.answer))]
    if answer.notice:
        blocks.append(_context(f":information_source: {escape(answer.notice)}"))
    blocks += [_context(source_line(c)) for c in answer.citations[:_MAX_SOURCES]]
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
