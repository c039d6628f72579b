"""Offline answers: the one to three source sentences that best answer the question, cited.

Every sentence of an answer is a verbatim sentence of a source. The answer declines when
evidence says the sources do not answer: a name the question asks about is absent from the
whole corpus, no retrieved sentence meets the question's year or figure, or the fitted
confidence that the best sentence answers is below the fitted threshold
(``assistant.search.fitted``). Declines name the nearest thing the sources do say.
"""

import math
import re
from dataclasses import dataclass, field

import numpy as np

from assistant.answer.draft import REFUSAL, Draft, citation
from assistant.checks.numbers import years_in
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.chunking import drop_footnote_marks
from assistant.search.features import ALIGNED_FEATURES, confidence_row, swaps
from assistant.search.fitted import AnswerStepParameters
from assistant.search.presence import absent_names
from assistant.search.question import (
    QuestionNeeds,
    mentions,
    mentions_words,
    spells_out,
    stems_of,
    written_name,
)
from assistant.search.rerank import Candidate, meets, parameters
from assistant.search.retrieve import Retrieval
from assistant.types import Hit

MODE = "extractive"

# "AliExpress, Shein and Temu": names listed together, sharing one figure.
_GROUP = re.compile(r"(?:[A-Z][\w.&/-]*,\s+)+[A-Z][\w.&/-]*,?\s+and\s+[A-Z][\w.&/-]*")


@dataclass
class Assessment:
    """What the answer step found: a rule's decline, or the best unit with its confidence."""

    decline: Draft | None = None
    best: Candidate | None = None
    eligible: list[Candidate] = field(default_factory=list)
    row: np.ndarray | None = None
    confidence: float = 0.0


def _near_miss(pool: list[Candidate], needs: QuestionNeeds) -> Draft:
    """Decline, saying what the sources do give when they hold a figure for another year (and
    nothing more when the nearest passage has every year asked)."""
    if needs.years:
        close = [
            c
            for c in pool[:6]
            if years_in(c.text) and all(mentions_words(c.hit.text, e) for e in needs.entities)
        ]
        if close and needs.years - years_in(close[0].text):
            best = close[0]
            given = sorted(years_in(best.text))
            wanted = ", ".join(str(y) for y in sorted(needs.years - set(given)))
            listing = " and ".join(str(y) for y in given)
            noun = "figures" if len(given) > 1 else "a figure"
            text = f"{REFUSAL} The sources give {noun} for {listing}, not {wanted} [1]."
            return Draft(text, [citation(1, best.hit, best.spans)], True, MODE)
    return Draft(REFUSAL, [], True, MODE)


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


def _about_entities(
    kb: KnowledgeBase, candidate: Candidate, needs: QuestionNeeds,
    in_document: dict[tuple[str, str], bool],
) -> bool:
    """A fact belongs to what its passage is about: every name the question asks about is in
    the unit, its section or its document's title (with its capitals: "Apple", not "applied"),
    or its chunk or document names it more than once. A question about one company is not answered
    with another company's figure or person because that company's page mentions it in
    passing. A name the corpus holds only in another spelling ("Celeron" for "Céloron")
    cannot be placed, so it excludes nothing. ``in_document`` keeps each (document, name)
    count, which many units of one document share."""
    hit = candidate.hit
    where = f"{hit.title} {hit.section} {candidate.text}"
    for entity in needs.entities:
        if _names_each_word(where, entity) or spells_out(where, entity):
            continue
        if len(written_name(entity).findall(hit.text)) > 1:
            continue
        key = (hit.source, entity)
        if key not in in_document:
            in_document[key] = (
                not _spelled_as_in_corpus(kb, entity.split())
                or _chunks_naming(kb, hit.source, entity) > 1
            )
        if not in_document[key]:
            return False
    return True


def _names_each_word(text: str, entity: str) -> bool:
    """Each word of ``entity`` in ``text`` with its capitals ("Chinese GDP" in "China's
    economy ... of GDP")."""
    return all(written_name(word).search(text) for word in entity.split())


def _chunks_naming(kb: KnowledgeBase, source: str, entity: str) -> int:
    """How many chunks of the document hold every word of ``entity`` (BM25's stemmed terms)."""
    held = [
        {chunk_id for chunk_id, _ in kb.lexical.search(word, len(kb.lexical), [source])}
        for word in entity.split()
    ]
    return len(set.intersection(*held)) if held else 0


def _spelled_as_in_corpus(kb: KnowledgeBase, words: list[str]) -> bool:
    return all(kb.lexical.knows(stem) for word in words for stem in stems_of(word))


def _eligible(kb: KnowledgeBase, pool: list[Candidate], needs: QuestionNeeds) -> list[Candidate]:
    in_document: dict[tuple[str, str], bool] = {}
    return [c for c in pool if meets(c, needs) and _about_entities(kb, c, needs, in_document)]


def _confidence_row(
    kb: KnowledgeBase, params: AnswerStepParameters, question: str, best: Candidate,
    eligible: list[Candidate], needs: QuestionNeeds,
) -> np.ndarray:
    """The confidence features of the best unit; its word alignment, when it has none (word
    alignment off, or a remote model), is the fitted mean, so it weighs nothing."""
    names = params.confidence.features
    aligned = best.aligned
    if aligned is None:
        aligned = np.asarray([params.confidence.mean[names.index(n)] for n in ALIGNED_FEATURES])
    taken = set(best.spans)
    runner_up = next(
        (c.score for c in eligible if c is not best and not taken & set(c.spans)), best.score - 4
    )
    weights = kb.lexical.idf(needs.terms)
    total = sum(weights.values()) or 1.0
    unknown = sum(w for t, w in weights.items() if not kb.lexical.knows(t)) / total
    context = f"{best.hit.title} {best.hit.section} {best.text}"
    return confidence_row(
        best.features, aligned, best.score, runner_up, unknown, needs.asked != "other",
        swaps(question, context),
    )


def assess(kb: KnowledgeBase, retrieval: Retrieval) -> Assessment:
    """Apply the evidence rules, then score the best unit's confidence."""
    needs, pool = retrieval.needs, retrieval.candidates
    if not pool:
        return Assessment(decline=Draft(REFUSAL, [], True, MODE))
    absent = absent_names(kb, needs.entities, [c.hit for c in pool])
    if absent:
        text = f"{REFUSAL} They do not mention {' or '.join(absent)}."
        return Assessment(decline=Draft(text, [], True, MODE))
    if needs.measure and not any(kb.lexical.knows(term) for term in needs.measure):
        text = f"{REFUSAL} They give no figure for {needs.measure_text}."
        return Assessment(decline=Draft(text, [], True, MODE))
    eligible = _eligible(kb, pool, needs)
    if not eligible:
        return Assessment(decline=_near_miss(pool, needs))
    best = eligible[0]
    alone = _named_only_with_others(best, needs)
    if alone:
        return Assessment(decline=_near_miss_group(best, alone), best=best)
    params = parameters(kb)
    row = _confidence_row(kb, params, retrieval.query, best, eligible, needs)
    confidence = float(params.confidence.probability(row[None, :])[0])
    return Assessment(best=best, eligible=eligible, row=row, confidence=confidence)


def answer(kb: KnowledgeBase, retrieval: Retrieval, max_chars: int) -> Draft:
    found = assess(kb, retrieval)
    if found.decline is not None:
        return found.decline
    params = parameters(kb)
    assert found.best is not None
    if found.confidence < params.decline_below:
        draft = _near_miss(retrieval.candidates, retrieval.needs)
    else:
        chosen = with_followers(
            found.best, found.eligible, retrieval.needs.terms, max_chars, params.follower_ratio
        )
        draft = compose(chosen)
    draft.confidence = found.confidence
    return draft


def with_followers(
    best: Candidate, eligible: list[Candidate], terms: list[str], max_chars: int, ratio: float
) -> list[Candidate]:
    """Add up to two more units nearly as likely to answer as the best (the re-ranker's
    softmax gives them at least ``ratio`` times its probability) that hold a question term
    (``terms``, stemmed) the quoted units do not, repeat no quoted sentence and fit the
    length."""
    chosen = [best]
    length = len(best.text)
    taken = {(best.hit.chunk_id, span) for span in best.spans}
    covered = stems_of(best.text)
    for other in eligible[1:]:
        if len(chosen) == 3 or math.exp(other.score - best.score) < ratio:
            break
        overlaps = any((other.hit.chunk_id, span) in taken for span in other.spans)
        adds = (stems_of(other.text) - covered) & set(terms)
        if overlaps or not adds or length + len(other.text) + 5 > max_chars:
            continue
        taken |= {(other.hit.chunk_id, span) for span in other.spans}
        chosen.append(other)
        covered |= stems_of(other.text)
        length += len(other.text) + 5
    return chosen


def compose(chosen: list[Candidate]) -> Draft:
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
