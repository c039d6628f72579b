"""Sentence-level re-ranking of the fused chunks, and the scored sentences the answer reuses.

Every unit (a sentence, or a sentence with the one it leans on) gets the features of
``assistant.search.features``; a fitted logistic regression turns them into the log-odds that
the unit holds the answer. The leading units are then compared word by word with the question
(word alignment: "primary hurdle" for "biggest obstacle") and scored again by a second fitted
model that reads those alignments too. A chunk ranks by its best unit, so the passage that
answers comes first.
"""

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.chunking import drop_footnote_marks
from assistant.knowledge.embeddings import as_array
from assistant.search.answer_types import holds_type
from assistant.search.features import QuestionContext, UnitPlace, unit_row, with_contrast
from assistant.search.fitted import AnswerStepParameters, load_parameters
from assistant.search.forms import set_aside
from assistant.search.question import QuestionNeeds, stems_of
from assistant.types import Hit

# A sentence opening like this leans on the one before it ("These agreements", "The primary
# hurdle", "However, its submission"), so the two are scored and quoted together.
_ANAPHOR = re.compile(
    r"^(?:[A-Z][\w ]{0,20}, )?(?:this|these|that|those|it|its|they|their|such|the|he|she|his|"
    r"her)\b|\b(?:this|these|those|such)\b",
    re.IGNORECASE,
)

Span = tuple[int, int]


@dataclass
class Candidate:
    """One unit with its feature row and fitted score (log-odds that it holds the answer)."""

    hit: Hit
    spans: list[Span]
    text: str
    similarity: float
    coverage: float
    score: float
    features: np.ndarray = field(repr=False)
    aligned: np.ndarray | None = field(default=None, repr=False)


def parameters(kb: KnowledgeBase) -> AnswerStepParameters:
    return load_parameters(kb.settings.answer_parameters)


def meets(candidate: Candidate, needs: QuestionNeeds) -> bool:
    """Whether the candidate holds what the question's constraints ask for (a year, a figure)."""
    return holds_what_is_asked(candidate.text, needs)


def holds_what_is_asked(text: str, needs: QuestionNeeds) -> bool:
    if not (needs.years or needs.wants_year or needs.wants_quantity):
        return True
    years = {y for y in needs.years}
    found = {int(v) for v in _years(text)}
    if years and not years <= found:
        return False
    if needs.wants_year and not found:
        return False
    return not needs.wants_quantity or holds_type("quantity", text, "")


def _years(text: str) -> list[float]:
    from assistant.checks.numbers import extract_figures

    return [f.value for f in extract_figures(text) if f.kind == "year"]


def rerank(
    kb: KnowledgeBase, hits: list[Hit], query_vector: np.ndarray, question: str,
    needs: QuestionNeeds,
) -> tuple[list[Hit], list[Candidate]]:
    """Hits ordered by their best unit (those meeting the question's constraints first)."""
    scored = score_sentences(kb, hits, query_vector, question, needs)
    best: dict[str, tuple[bool, float]] = {}
    for candidate in scored:
        key = (meets(candidate, needs), candidate.score)
        best[candidate.hit.chunk_id] = max(best.get(candidate.hit.chunk_id, key), key)
    ordered = sorted(hits, key=lambda hit: best.get(hit.chunk_id, (False, -99.0)), reverse=True)
    for hit in ordered:
        hit.rerank_score = round(best[hit.chunk_id][1], 4) if hit.chunk_id in best else None
    return ordered, scored


def unit_candidates(
    kb: KnowledgeBase, hits: list[Hit], query_vector: np.ndarray, question: str,
    needs: QuestionNeeds,
) -> list[Candidate]:
    """Every unit of the hits with its feature row, unscored (score 0), in chunk order."""
    vectors = kb.store.sentence_vectors({hit.chunk_id: len(hit.sentences) for hit in hits})
    context = QuestionContext.build(question, needs, kb.lexical.idf(needs.terms), len(kb.lexical))
    top_lexical = max((hit.lexical_score or 0.0 for hit in hits), default=0.0) or 1.0
    found: list[Candidate] = []
    for rank, hit in enumerate(sorted(hits, key=lambda h: -h.fused_score)):
        units = _units(hit, vectors, query_vector, needs)
        single = {spans[0]: similarity for spans, similarity in units if len(spans) == 1}
        order = list(single)
        best = max(single.values(), default=0.0)
        lexical = (hit.lexical_score or 0.0) / top_lexical
        for spans, similarity in units:
            place = UnitPlace(rank, lexical, best, _around(spans, order, single, similarity))
            text, row = unit_row(context, hit, spans, similarity, place)
            found.append(Candidate(hit, spans, text, similarity, float(row[1]), 0.0, row))
    if needs.form.rejected:
        _add_contrast(kb.embeddings, needs.form.rejected, found)
    return found


def _around(
    spans: list[Span], order: list[Span], single: dict[Span, float], own: float
) -> float:
    """The best similarity of the sentences just before and after the unit (its own when it
    has no neighbours)."""
    first, last = order.index(spans[0]), order.index(spans[-1])
    around = [single[order[i]] for i in (first - 1, last + 1) if 0 <= i < len(order)]
    return max(around, default=own)


def score_sentences(
    kb: KnowledgeBase, hits: list[Hit], query_vector: np.ndarray, question: str,
    needs: QuestionNeeds,
) -> list[Candidate]:
    """Every unit of the hits, best first."""
    params = parameters(kb)
    found = unit_candidates(kb, hits, query_vector, question, needs)
    if not found:
        return []
    scores = params.ranker.logit(np.stack([c.features for c in found]))
    for candidate, score in zip(found, scores.tolist(), strict=True):
        candidate.score = score
    found.sort(key=lambda c: -c.score)
    if kb.settings.word_alignment:
        _rescore_leading(kb, params, question, needs, found)
    return sorted(found, key=lambda c: -c.score)


def _rescore_leading(
    kb: KnowledgeBase, params: AnswerStepParameters, question: str, needs: QuestionNeeds,
    ranked: list[Candidate],
) -> None:
    """Score the leading units again with their word alignment; the rest keep their order
    below them (shifted so that no unit outranks a leading one it trailed)."""
    leading, rest = ranked[: params.aligned_units], ranked[params.aligned_units :]
    aligned = alignments(kb.embeddings, question, needs, leading)
    if aligned is None:
        return
    rows = np.hstack([np.stack([c.features for c in leading]), aligned])
    first_scores = [c.score for c in leading]
    for candidate, pair, score in zip(
        leading, aligned, params.aligned_ranker.logit(rows).tolist(), strict=True
    ):
        candidate.aligned, candidate.score = pair, score
    shift = min(first_scores) - min(c.score for c in leading)
    for candidate in rest:
        candidate.score -= shift


def _add_contrast(embeddings: Any, rejected: str, candidates: list[Candidate]) -> None:
    """Mark the units that set aside something like what the question sets aside."""
    phrases = {c.text: set_aside(c.text) for c in candidates}
    distinct = sorted({p for found in phrases.values() for p in found})
    if not distinct:
        return
    vectors = as_array(embeddings, [rejected, *distinct])
    likeness = dict(zip(distinct, (vectors[1:] @ vectors[0]).tolist(), strict=True))
    for candidate in candidates:
        if phrases[candidate.text]:
            best = max(likeness[p] for p in phrases[candidate.text])
            candidate.features = with_contrast(candidate.features, best)


def _units(
    hit: Hit, vectors: dict[tuple[str, int], np.ndarray], query: np.ndarray, needs: QuestionNeeds
) -> list[tuple[list[Span], float]]:
    """Single sentences and leaning pairs of one chunk, with their similarity to the question.

    A sentence leans on the one before when it opens with a reference to it ("These
    agreements…"), or when it holds the figure or year the question asks for and the one
    before, which does not, says what it is about.
    """
    keyed = [((a, b), vectors.get((hit.chunk_id, hit.start + a))) for a, b in hit.sentences]
    units: list[tuple[list[Span], float]] = []
    for position, (span, vector) in enumerate(keyed):
        if vector is None:
            continue
        units.append(([span], float(vector @ query)))
        previous_span, previous = keyed[position - 1] if position else (span, None)
        if previous is not None and (
            _leans(hit.text, previous_span, span, needs)
            or _explains(hit.text, span, needs)
        ):
            units.append(([previous_span, span], _pair_similarity(previous, vector, query)))
    return units


def _pair_similarity(first: np.ndarray, second: np.ndarray, query: np.ndarray) -> float:
    pair = first + second
    return float(pair @ query) / max(float(np.linalg.norm(pair)), 1e-9)


def _explains(text: str, span: Span, needs: QuestionNeeds) -> bool:
    """A why or how question is often answered by the sentence after the one that matches it:
    this one gives the reason or the way."""
    return needs.asked in ("reason", "manner") and holds_type(
        needs.asked, text[span[0] : span[1]], ""
    )


def _leans(text: str, previous: Span, span: Span, needs: QuestionNeeds) -> bool:
    if _ANAPHOR.search(text[span[0] : span[0] + 60]):
        return True
    constrained = needs.years or needs.wants_year or needs.wants_quantity
    return bool(constrained) and (
        holds_what_is_asked(text[span[0] : span[1]], needs)
        and not holds_what_is_asked(text[previous[0] : previous[1]], needs)
    )


def alignments(
    embeddings: Any, question: str, needs: QuestionNeeds, units: list[Candidate]
) -> np.ndarray | None:
    """For each unit, the mean and the minimum over the question's key words of their closest
    word in it (shape: units × 2).

    None when the embeddings give no word vectors (a remote model) or the question has no
    key words.
    """
    embed_tokens = getattr(embeddings, "embed_tokens", None)
    if embed_tokens is None or not units:
        return None
    texts: dict[tuple[str, Span], str] = {}
    for unit in units:
        for a, b in unit.spans:
            texts.setdefault((unit.hit.chunk_id, (a, b)), drop_footnote_marks(unit.hit.text[a:b]))
    (pieces, question_vectors), *encoded = embed_tokens([question, *texts.values()])
    keep = [i for i, piece in enumerate(pieces) if _is_key_word(piece, needs)]
    if not keep:
        return None
    by_sentence = {key: vectors for key, (_, vectors) in zip(texts, encoded, strict=True)}
    focus = question_vectors[keep].astype(np.float32)
    rows = []
    for unit in units:
        words = np.concatenate(
            [by_sentence[(unit.hit.chunk_id, s)] for s in unit.spans]
        ).astype(np.float32)
        closest = (focus @ words.T).max(axis=1)
        rows.append((float(closest.mean()), float(closest.min())))
    return np.asarray(rows, dtype=np.float32)


def _is_key_word(piece: str, needs: QuestionNeeds) -> bool:
    return piece.isalpha() and bool(stems_of(piece) & set(needs.terms))
