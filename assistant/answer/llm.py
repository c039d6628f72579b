"""Answers written by a chat model from numbered sources, cited with [n], checked and repaired.

The model sees the retrieved chunks as ``<source id="n">`` blocks of quoted, untrusted data.
Its markers are renumbered 1, 2, … in order of first use as the text streams, markers that point
at no source are dropped, and an answer with figures the sources lack gets one repair round.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from langchain_core.messages import AIMessage, BaseMessage

from assistant.answer.draft import REFUSAL, Draft, citation
from assistant.answer.models import model_name_of, translated_errors
from assistant.answer.prompts import Prompt, load_prompt
from assistant.checks.numbers import extract_figures, unsupported
from assistant.checks.verify import MARKER, answer_sentences, strip_unknown_markers, verify
from assistant.errors import ModelUnavailableError
from assistant.search.question import key_terms, stems_of
from assistant.types import Citation, Hit, Turn

if TYPE_CHECKING:  # langchain_core.language_models costs ~0.5 s to import; offline answers skip it
    from langchain_core.language_models import BaseChatModel

ANSWER_VARIABLES = frozenset({"count", "refusal", "sources", "question"})
CONDENSE_VARIABLES = frozenset({"history", "question"})
REPAIR_VARIABLES = frozenset({"figures", "refusal"})
# A marker that may still be arriving ("… 2015 [1", "… 2015 ") is held back until complete.
_PARTIAL_MARKER = re.compile(r"\s?(?:\[(?:[Ss][a-z]{0,6}\s*)?[\d,\s–-]*)?$")
# What models write besides [n]: [1, 2], [1-3], [Source 2], [sources 1, 4].
_MARKER_GROUP = re.compile(
    r"\[(?:sources?\s*)?(\d+(?:\s*[,–-]\s*\d+)*)\]", re.IGNORECASE
)
_RANGE = re.compile(r"(\d+)\s*[–-]\s*(\d+)")
_TAG = re.compile(r"<(/?)(sources?|conversation)\b", re.IGNORECASE)
_CONDENSE_LABEL = re.compile(r"^(standalone question|question|last message)\s*:\s*", re.IGNORECASE)


def answer_prompt() -> Prompt:
    return load_prompt("answer", ANSWER_VARIABLES)


def condense_prompt() -> Prompt:
    return load_prompt("condense", CONDENSE_VARIABLES)


def repair_prompt() -> Prompt:
    return load_prompt("repair", REPAIR_VARIABLES)


def prompt_version() -> str:
    return "+".join(p.version for p in (answer_prompt(), condense_prompt(), repair_prompt()))


def quoted(text: str) -> str:
    """Source or history text with our delimiter tags defused, so data cannot close its block."""
    return _TAG.sub(lambda m: f"&lt;{m.group(1)}{m.group(2)}", text)


def format_sources(hits: Sequence[Hit]) -> str:
    blocks = []
    for n, hit in enumerate(hits, start=1):
        title = quoted(hit.title).replace('"', "'")
        section = quoted(hit.section).replace('"', "'")
        blocks.append(
            f'<source id="{n}" title="{title}" section="{section}">\n{quoted(hit.text)}\n</source>'
        )
    return "\n".join(blocks)


def answer_messages(question: str, hits: Sequence[Hit]) -> list[BaseMessage]:
    return answer_prompt().template.format_messages(
        count=len(hits), refusal=REFUSAL, sources=format_sources(hits), question=question
    )


def condense(model: BaseChatModel, question: str, history: Sequence[Turn]) -> str:
    """A standalone version of a follow-up, written by the model from the conversation."""
    lines = [f"{'User' if t.role == 'user' else 'Assistant'}: {quoted(t.content)}" for t in history]
    messages = condense_prompt().template.format_messages(
        history="\n".join(lines), question=question
    )
    with translated_errors(model_name_of(model)):
        reply = model.invoke(messages).text
    first_line = next((line for line in reply.strip().splitlines() if line.strip()), "")
    standalone = _CONDENSE_LABEL.sub("", first_line).strip().strip("\"'“”").strip()
    return standalone if 0 < len(standalone) <= 4 * max(len(question), 100) else question


def _numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for part in group.split(","):
        span = _RANGE.fullmatch(part.strip())
        first, last = (int(span[1]), int(span[2])) if span else (int(part), int(part))
        numbers.extend(range(first, last + 1) if last - first < 10 else (first, last))
    return numbers


def _split_groups(text: str) -> str:
    """``[1, 2]``, ``[1-2]``, ``[Source 1]`` -> ``[1][2]``, the one form the checks read."""
    return _MARKER_GROUP.sub(lambda m: "".join(f"[{n}]" for n in _numbers(m[1])), text)


class Renumbering:
    """Markers [n] over ``count`` sources, renumbered 1, 2, … in order of first use, as text
    streams in; markers of sources that do not exist are removed."""

    def __init__(self, count: int) -> None:
        self.known = set(range(1, count + 1))
        self.order: dict[int, int] = {}
        self.removed: set[int] = set()
        self.text = ""
        self._pending = ""

    def feed(self, piece: str) -> str:
        pending = self._pending + piece
        cut = _PARTIAL_MARKER.search(pending)
        split = cut.start() if cut else len(pending)
        self._pending = pending[split:]
        return self._emit(pending[:split])

    def finish(self) -> str:
        pending, self._pending = self._pending, ""
        return self._emit(pending)

    @property
    def sources(self) -> list[int]:
        """Source numbers as the model gave them, in the order of the new numbers."""
        return list(self.order)

    def _emit(self, segment: str) -> str:
        segment, removed = strip_unknown_markers(_split_groups(segment), self.known)
        self.removed.update(removed)
        segment = MARKER.sub(self._renumber, segment)
        self.text += segment
        return segment

    def _renumber(self, match: re.Match[str]) -> str:
        new = self.order.setdefault(int(match.group(1)), len(self.order) + 1)
        return match.group(0)[: match.group(0).index("[")] + f"[{new}]"


def _support(sentence: str, claim: str) -> int:
    """How much of a claim one source sentence backs: shared key words, figures count double."""
    figures = extract_figures(claim)
    found = len(figures) - len(unsupported(figures, extract_figures(sentence)))
    return len(set(key_terms(claim)) & stems_of(sentence)) + 2 * found


def best_spans(hit: Hit, claims: list[str]) -> list[tuple[int, int]]:
    """The sentence of ``hit`` that best supports each claim citing it."""
    spans = hit.sentences or [(0, len(hit.text))]
    chosen = {max(spans, key=lambda s: _support(hit.text[s[0] : s[1]], claim)) for claim in claims}
    return sorted(chosen) or [spans[0]]


def cite(hits: Sequence[Hit], text: str, used: list[int]) -> list[Citation]:
    """Citations for the renumbered markers of ``text``; ``used[i]`` is the hit of ``[i+1]``."""
    sentences = answer_sentences(text)
    citations = []
    for new, original in enumerate(used, start=1):
        claims = [MARKER.sub("", s) for s in sentences if str(new) in MARKER.findall(s)]
        hit = hits[original - 1]
        citations.append(citation(new, hit, best_spans(hit, claims)))
    return citations


def is_refusal(text: str) -> bool:
    plain = " ".join(MARKER.sub("", text).lower().split())
    return REFUSAL.lower().rstrip(".") in plain


def _stream(model: BaseChatModel, messages: list[BaseMessage]) -> Iterator[str]:
    with translated_errors(model_name_of(model)):
        for chunk in model.stream(messages):
            yield chunk.text


def _written(model: BaseChatModel, messages: list[BaseMessage], count: int) -> Renumbering:
    with translated_errors(model_name_of(model)):
        reply = model.invoke(messages).text
    renumbering = Renumbering(count)
    renumbering.feed(reply)
    renumbering.finish()
    return renumbering


def _draft(hits: Sequence[Hit], renumbering: Renumbering, mode: str) -> Draft:
    text = renumbering.text.strip()
    if not text:
        return Draft(REFUSAL, [], True, mode, notice="The model returned an empty answer.")
    citations = cite(hits, text, renumbering.sources)
    removed = sorted(renumbering.removed)
    return Draft(text, citations, is_refusal(text), mode, removed_citations=removed)


def _original_text(raw: str, count: int) -> str:
    """The model's answer in its own numbering, without markers of missing sources."""
    return strip_unknown_markers(_split_groups(raw), set(range(1, count + 1)))[0].strip()


def _repair(
    model: BaseChatModel, messages: list[BaseMessage], raw: str, draft: Draft, hits: Sequence[Hit]
) -> Draft:
    """One round: show the model the figures its answer lacks evidence for; take its correction."""
    figures = verify(draft.text, draft.citations, draft.abstained).unsupported_numbers
    if not figures:
        return draft
    follow_up = repair_prompt().template.format_messages(
        figures=", ".join(figures), refusal=REFUSAL
    )
    conversation = [*messages, AIMessage(content=_original_text(raw, len(hits))), *follow_up]
    try:
        renumbering = _written(model, conversation, len(hits))
    except ModelUnavailableError:
        draft.notice = "The model could not be reached to correct figures that the sources lack."
        return draft
    repaired = _draft(hits, renumbering, draft.mode)
    repaired.repaired = True
    repaired.removed_citations = sorted({*draft.removed_citations, *repaired.removed_citations})
    return repaired


def _notice(draft: Draft) -> str:
    notes = [draft.notice] if draft.notice else []
    if draft.removed_citations:
        markers = ", ".join(f"[{n}]" for n in draft.removed_citations)
        notes.append(f"Removed citations of sources that do not exist: {markers}.")
    if draft.repaired:
        left = verify(draft.text, draft.citations, draft.abstained).unsupported_numbers
        notes.append(
            f"Figures not found in the sources, even after asking the model to correct them: "
            f"{', '.join(left)}." if left
            else "The model's first answer had figures the sources lack; it was corrected."
        )
    return " ".join(notes)


def answer(model: BaseChatModel, question: str, hits: Sequence[Hit]) -> Iterator[str | Draft]:
    """Yield the answer text as the model writes it, then the checked (maybe repaired) Draft."""
    mode = f"llm:{model_name_of(model)}"
    if not hits:
        yield REFUSAL
        yield Draft(REFUSAL, [], True, mode, prompt_version=prompt_version())
        return
    messages = answer_messages(question, hits)
    renumbering = Renumbering(len(hits))
    raw = ""
    for piece in _stream(model, messages):
        raw += piece
        if shown := renumbering.feed(piece):
            yield shown
    if tail := renumbering.finish():
        yield tail
    draft = _repair(model, messages, raw, _draft(hits, renumbering, mode), hits)
    draft.notice = _notice(draft)
    draft.prompt_version = prompt_version()
    yield draft
