"""Answers written by a chat model from numbered sources, cited with [n], checked and repaired.

The model sees the retrieved chunks as ``<source id="n">`` blocks of quoted, untrusted data.
Its markers are renumbered 1, 2, … in order of first use as the text streams, markers that point
at no source are dropped, and an answer that fails its checks gets one repair round
(``assistant.answer.repair``) unless it was cut off. Every request is streamed through
``ModelCall``: bounded in time and length, cancelled when abandoned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from assistant.answer.draft import REFUSAL, Draft, citation
from assistant.answer.models import CallPolicy, model_name_of
from assistant.answer.prompts import Prompt, load_prompt
from assistant.answer.refusal import as_refusal
from assistant.answer.stream import ModelCall
from assistant.checks.claims import MARKER, answer_claims, strip_unknown_markers
from assistant.checks.numbers import extract_figures, unsupported
from assistant.search.question import key_terms, stems_of
from assistant.types import Citation, Hit

if TYPE_CHECKING:  # langchain_core.language_models costs ~0.5 s to import; offline answers skip it
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

ANSWER_VARIABLES = frozenset({"count", "refusal", "sentences", "sources", "question"})
CONDENSE_VARIABLES = frozenset({"history", "question"})
REPAIR_VARIABLES = frozenset({"problems", "refusal"})
# The answer prompt's length rule, and the reply cap it implies: a long sentence of about 40
# words with its markers is about 60 tokens.
ANSWER_SENTENCES = 4
TOKENS_PER_SENTENCE = 60
ANSWER_TOKENS = ANSWER_SENTENCES * TOKENS_PER_SENTENCE
CONDENSE_TOKENS = 80
# A marker that may still be arriving ("… 2015 [1", "… 2015 ") is held back until complete.
_PARTIAL_MARKER = re.compile(r"\s?(?:\[(?:[Ss][a-z]{0,6}\s*)?[\d,\s–-]*)?$")
# What models write besides [n]: [1, 2], [1-3], [Source 2], [sources 1, 4].
_MARKER_GROUP = re.compile(
    r"\[(?:sources?\s*)?(\d+(?:\s*[,–-]\s*\d+)*)\]", re.IGNORECASE
)
_RANGE = re.compile(r"(\d+)\s*[–-]\s*(\d+)")
_TAG = re.compile(r"<(/?)(sources?|conversation)\b", re.IGNORECASE)


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
        count=len(hits), refusal=REFUSAL, sentences=ANSWER_SENTENCES,
        sources=format_sources(hits), question=question,
    )


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
    sentences = answer_claims(text)
    citations = []
    for new, original in enumerate(used, start=1):
        claims = [MARKER.sub("", s) for s in sentences if str(new) in MARKER.findall(s)]
        hit = hits[original - 1]
        citations.append(citation(new, hit, best_spans(hit, claims)))
    return citations


def written(call: ModelCall, count: int) -> Renumbering:
    """A whole reply, renumbered."""
    renumbering = Renumbering(count)
    renumbering.feed(call.read())
    renumbering.finish()
    return renumbering


def draft_of(
    hits: Sequence[Hit], renumbering: Renumbering, mode: str, embeddings: Embeddings | None,
    cut_off: bool = False,
) -> Draft:
    """The checked-to-be draft of a reply: an abstention when it is a refusal as a whole."""
    passages = [hit.text for hit in hits]
    text = renumbering.text.strip()
    if not text:
        return Draft(REFUSAL, [], True, mode, notice="The model returned an empty answer.",
                     passages=passages)
    refusal = None if cut_off else as_refusal(text, embeddings)
    text = refusal or text
    citations = cite(hits, text, renumbering.sources)
    return Draft(
        text, [c for c in citations if f"[{c.n}]" in text], refusal is not None, mode,
        removed_citations=sorted(renumbering.removed), passages=passages, cut_off=cut_off,
    )


def original_text(raw: str, count: int) -> str:
    """The model's answer in its own numbering, without markers of missing sources."""
    return strip_unknown_markers(_split_groups(raw), set(range(1, count + 1)))[0].strip()


def answer(
    model: BaseChatModel, question: str, hits: Sequence[Hit], *,
    policy: CallPolicy | None = None, embeddings: Embeddings | None = None,
) -> Iterator[str | Draft]:
    """Yield the answer text as the model writes it, then the checked (maybe repaired) Draft.

    Raises ``ModelUnavailableError`` when the model fails; ``embeddings`` let a paraphrased
    refusal be recognised."""
    from assistant.answer.repair import repaired

    policy = policy or CallPolicy()
    mode = f"llm:{model_name_of(model)}"
    if not hits:
        yield REFUSAL
        yield Draft(REFUSAL, [], True, mode, prompt_version=prompt_version())
        return
    messages = answer_messages(question, hits)
    call = ModelCall(model, messages, policy, ANSWER_TOKENS)
    renumbering = Renumbering(len(hits))
    for piece in call:
        if shown := renumbering.feed(piece):
            yield shown
    if tail := renumbering.finish():
        yield tail
    draft = draft_of(hits, renumbering, mode, embeddings, call.cut_off)
    draft = repaired(model, policy, messages, call.text, draft, hits, embeddings)
    draft.prompt_version = prompt_version()
    yield draft
