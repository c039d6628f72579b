"""Offline answers: the one to three source sentences that best answer the question, cited.

Every sentence of an answer is a verbatim sentence of a source. When a constraint of the
question (a year, a name, a quantity) is met by no retrieved sentence, the answer abstains and
names the nearest thing the sources do say.
"""

import re

from assistant.answer.draft import REFUSAL, Draft, citation
from assistant.checks.numbers import years_in
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.chunking import drop_footnote_marks
from assistant.knowledge.embeddings import as_array
from assistant.search.question import QuestionNeeds, mentions, mentions_words, stems_of
from assistant.search.rerank import TERM_WEIGHT, Candidate, meets
from assistant.search.retrieve import Retrieval
from assistant.types import Hit

MODE = "extractive"
MIN_SIMILARITY = 0.30
MIN_RELEVANCE = 0.42
MIN_MEASURE_SIMILARITY = 0.3
FOLLOWER_RATIO = 0.85


# "AliExpress, Shein and Temu": names listed together, sharing one figure.
_GROUP = re.compile(r"(?:[A-Z][\w.&/-]*,\s+)+[A-Z][\w.&/-]*,?\s+and\s+[A-Z][\w.&/-]*")


def _near_miss(pool: list[Candidate], needs: QuestionNeeds) -> Draft:
    """Abstain, saying what the sources do give when they hold something close."""
    if needs.years:
        close = [
            c
            for c in pool[:6]
            if years_in(c.text)
            and c.similarity >= MIN_SIMILARITY
            and all(mentions_words(c.hit.text, e) for e in needs.entities)
        ]
        if close:
            best = close[0]
            given = sorted(years_in(best.text))
            wanted = ", ".join(str(y) for y in sorted(needs.years - set(given)))
            listing = " and ".join(str(y) for y in given)
            noun = "figures" if len(given) > 1 else "a figure"
            text = f"{REFUSAL} The sources give {noun} for {listing}, not {wanted} [1]."
            return Draft(text, [citation(1, best.hit, best.spans)], True, MODE)
    return Draft(REFUSAL, [], True, MODE)


def _similarity(kb: KnowledgeBase, first: str, second: str) -> float:
    vectors = as_array(kb.embeddings, [first, second])
    return float(vectors[0] @ vectors[1])


def _named_only_with_others(best: Candidate, needs: QuestionNeeds) -> str:
    """The entity asked about "on its own" when the sentence gives a figure for a group."""
    if not needs.alone:
        return ""
    for entity in needs.entities:
        for group in _GROUP.finditer(best.text):
            if mentions(group.group(0), entity):
                return entity
    return ""


def _near_miss_group(best: Candidate, entity: str) -> Draft:
    group = next(g.group(0) for g in _GROUP.finditer(best.text) if mentions(g.group(0), entity))
    text = f"{REFUSAL} The sources give a figure for {group} together, not for {entity} alone [1]."
    return Draft(text, [citation(1, best.hit, best.spans)], True, MODE)


def _absent_entities(pool: list[Candidate], needs: QuestionNeeds) -> list[str]:
    """Names in the question that no retrieved passage mentions."""
    texts = {c.hit.chunk_id: f"{c.hit.title} {c.hit.text}" for c in pool}
    return [e for e in needs.entities if not any(mentions_words(t, e) for t in texts.values())]


def answer(kb: KnowledgeBase, retrieval: Retrieval, max_chars: int) -> Draft:
    needs, pool = retrieval.needs, retrieval.candidates
    if not pool or (pool[0].similarity < MIN_SIMILARITY and pool[0].coverage < 0.5):
        return Draft(REFUSAL, [], True, MODE)
    absent = _absent_entities(pool, needs)
    if absent:
        return Draft(f"{REFUSAL} They do not mention {' or '.join(absent)}.", [], True, MODE)
    known = [kb.lexical.knows(term) for term in needs.measure]
    if needs.measure and not any(known):
        return Draft(f"{REFUSAL} They give no figure for {needs.measure_text}.", [], True, MODE)
    eligible = [c for c in pool if meets(c, needs)]
    if not eligible:
        return _near_miss(pool, needs)
    best = eligible[0]
    if best.similarity + TERM_WEIGHT * best.coverage < MIN_RELEVANCE:
        return Draft(REFUSAL, [], True, MODE)
    if not all(known) and _similarity(kb, needs.measure_text, best.text) < MIN_MEASURE_SIMILARITY:
        return Draft(f"{REFUSAL} They give no figure for {needs.measure_text}.", [], True, MODE)
    alone = _named_only_with_others(best, needs)
    if alone:
        return _near_miss_group(best, alone)
    return _compose(_with_followers(best, eligible, needs, max_chars))


def _with_followers(
    best: Candidate, eligible: list[Candidate], needs: QuestionNeeds, max_chars: int
) -> list[Candidate]:
    """Add up to two more sentences when they are nearly as good and say something new."""
    chosen = [best]
    covered = stems_of(best.text) & set(needs.terms)
    length = len(best.text)
    taken = {(best.hit.chunk_id, span) for span in best.spans}
    for other in eligible[1:]:
        if len(chosen) == 3 or other.score < FOLLOWER_RATIO * best.score:
            break
        adds = (stems_of(other.text) & set(needs.terms)) - covered
        overlaps = any((other.hit.chunk_id, span) in taken for span in other.spans)
        if not adds or overlaps or length + len(other.text) + 5 > max_chars:
            continue
        taken |= {(other.hit.chunk_id, span) for span in other.spans}
        chosen.append(other)
        covered |= adds
        length += len(other.text) + 5
    return chosen


def _compose(chosen: list[Candidate]) -> Draft:
    """Sentences in document order, one marker per chunk."""
    chosen = sorted(chosen, key=lambda c: (c.hit.source, c.hit.start + c.spans[0][0]))
    numbers: dict[str, int] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    hits: dict[str, Hit] = {}
    parts: list[str] = []
    for candidate in chosen:
        chunk_id = candidate.hit.chunk_id
        n = numbers.setdefault(chunk_id, len(numbers) + 1)
        spans.setdefault(chunk_id, []).extend(candidate.spans)
        hits[chunk_id] = candidate.hit
        parts.extend(
            f"{drop_footnote_marks(candidate.hit.text[a:b])} [{n}]" for a, b in candidate.spans
        )
    citations = [citation(numbers[c], hits[c], spans[c]) for c in numbers]
    return Draft(" ".join(parts), citations, False, MODE)
