"""Sentence-level re-ranking of the fused chunks, and the scored sentences the answer reuses.

A sentence (or a sentence with the one it leans on) scores by its similarity to the question,
the share of the question's key terms it covers (weighted by IDF), the names it mentions, and
how closely its words in context match the question's ("primary hurdle" for "biggest
obstacle"), and whether it has the form the question asks for (``assistant.search.forms``). A chunk
ranks by its best sentence, so the passage that answers comes first.
"""

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.checks.numbers import extract_figures
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.chunking import drop_footnote_marks
from assistant.knowledge.embeddings import as_array
from assistant.search.forms import contrast_bonus, form_bonus, set_aside
from assistant.search.question import QuestionNeeds, mentions, stems_of
from assistant.types import Hit

TERM_WEIGHT = 0.5
ENTITY_WEIGHT = 0.15
ALIGNMENT_WEIGHT = 1.0
PAIR_COST = 0.05
# Word alignment costs a model pass per sentence, so it only settles close calls: the
# candidates within this margin of the best, at most this many.
ALIGNMENT_MARGIN = 0.15
ALIGNMENT_MAX_UNITS = 3

# A sentence opening like this leans on the one before it ("These agreements", "The primary
# hurdle", "However, its submission"), so the two are scored and quoted together.
_ANAPHOR = re.compile(
    r"^(?:[A-Z][\w ]{0,20}, )?(?:this|these|that|those|it|its|they|their|such|the)\b|"
    r"\b(?:this|these|those|such)\b",
    re.IGNORECASE,
)

Span = tuple[int, int]


@dataclass
class Candidate:
    """One sentence, or a sentence with the one before it when that one gives its subject."""

    hit: Hit
    spans: list[Span]
    text: str
    similarity: float
    coverage: float
    score: float


def meets(candidate: Candidate, needs: QuestionNeeds) -> bool:
    """Whether the candidate holds what the question's constraints ask for (a year, a figure)."""
    return holds_what_is_asked(candidate.text, needs)


def holds_what_is_asked(text: str, needs: QuestionNeeds) -> bool:
    if not (needs.years or needs.wants_year or needs.wants_quantity):
        return True
    figures = extract_figures(text)
    if needs.years and not needs.years <= {int(f.value) for f in figures if f.kind == "year"}:
        return False
    if needs.wants_year and not any(f.kind == "year" for f in figures):
        return False
    return not needs.wants_quantity or any(f.kind != "year" for f in figures)


def rerank(
    kb: KnowledgeBase, hits: list[Hit], query_vector: np.ndarray, question: str,
    needs: QuestionNeeds,
) -> tuple[list[Hit], list[Candidate]]:
    """Hits ordered by their best sentence (those meeting the question's constraints first)."""
    scored = score_sentences(kb, hits, query_vector, question, needs)
    best: dict[str, tuple[bool, float]] = {}
    for candidate in scored:
        key = (meets(candidate, needs), candidate.score)
        best[candidate.hit.chunk_id] = max(best.get(candidate.hit.chunk_id, key), key)
    ordered = sorted(hits, key=lambda hit: best.get(hit.chunk_id, (False, -1.0)), reverse=True)
    for hit in ordered:
        hit.rerank_score = round(best[hit.chunk_id][1], 4) if hit.chunk_id in best else None
    return ordered, scored


def score_sentences(
    kb: KnowledgeBase, hits: list[Hit], query_vector: np.ndarray, question: str,
    needs: QuestionNeeds,
) -> list[Candidate]:
    """Every sentence (and leaning pair) of the hits, best first."""
    vectors = kb.store.sentence_vectors({hit.chunk_id: len(hit.sentences) for hit in hits})
    weights = kb.lexical.idf(needs.terms)
    weight_total = sum(weights.values()) or 1.0
    found: list[Candidate] = []
    for hit in hits:
        in_chunk = {e for e in needs.entities if mentions(hit.text, e)}
        for spans, similarity in _units(hit, vectors, query_vector, needs):
            text = " ".join(drop_footnote_marks(hit.text[a:b]) for a, b in spans)
            context = stems_of(f"{hit.section} {text}")
            coverage = sum(w for t, w in weights.items() if t in context) / weight_total
            named = sum(
                1.0 if e in in_chunk and mentions(text, e) else 0.5 if e in in_chunk else 0.0
                for e in needs.entities
            ) / max(1, len(needs.entities))
            score = similarity + TERM_WEIGHT * coverage + ENTITY_WEIGHT * named
            score += form_bonus(needs.form, text) - PAIR_COST * (len(spans) - 1)
            found.append(Candidate(hit, spans, text, similarity, coverage, score))
    if needs.form.rejected:
        _add_contrast(kb.embeddings, needs.form.rejected, found)
    found.sort(key=lambda c: -c.score)
    if kb.settings.word_alignment:
        _add_alignment(kb.embeddings, question, needs, found)
    return sorted(found, key=lambda c: -c.score)


def _add_contrast(embeddings: Any, rejected: str, candidates: list[Candidate]) -> None:
    """Raise the sentences that set aside something like what the question sets aside."""
    phrases = {c.text: set_aside(c.text) for c in candidates}
    distinct = sorted({p for found in phrases.values() for p in found})
    if not distinct:
        return
    vectors = as_array(embeddings, [rejected, *distinct])
    likeness = dict(zip(distinct, (vectors[1:] @ vectors[0]).tolist(), strict=True))
    for candidate in candidates:
        if phrases[candidate.text]:
            candidate.score += contrast_bonus(max(likeness[p] for p in phrases[candidate.text]))


def _add_alignment(
    embeddings: Any, question: str, needs: QuestionNeeds, ranked: list[Candidate]
) -> None:
    """Raise the leading candidates by how much better their words match the question's than
    the worst of them; the rest keep their scores. A lone leader has nothing to settle."""
    leading = [c for c in ranked if c.score >= ranked[0].score - ALIGNMENT_MARGIN] if ranked else []
    leading = leading[:ALIGNMENT_MAX_UNITS]
    if len(leading) < 2:
        return
    aligned = _alignments(embeddings, question, needs, [(c.hit, c.spans) for c in leading])
    if not aligned:
        return
    for candidate, alignment in zip(leading, aligned, strict=True):
        candidate.score += ALIGNMENT_WEIGHT * (alignment - min(aligned))


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
        if previous is not None and _leans(hit.text, previous_span, span, needs):
            pair = previous + vector
            pair_similarity = float(pair @ query) / max(float(np.linalg.norm(pair)), 1e-9)
            units.append(([previous_span, span], pair_similarity))
    return units


def _leans(text: str, previous: Span, span: Span, needs: QuestionNeeds) -> bool:
    if _ANAPHOR.search(text[span[0] : span[0] + 60]):
        return True
    constrained = needs.years or needs.wants_year or needs.wants_quantity
    return bool(constrained) and (
        holds_what_is_asked(text[span[0] : span[1]], needs)
        and not holds_what_is_asked(text[previous[0] : previous[1]], needs)
    )


def _alignments(
    embeddings: Any, question: str, needs: QuestionNeeds, units: list[tuple[Hit, list[Span]]]
) -> list[float]:
    """For each unit, the mean over the question's key words of their closest word in it.

    Empty when the embeddings give no word vectors (a remote model) or the question has no
    key words.
    """
    embed_tokens = getattr(embeddings, "embed_tokens", None)
    if embed_tokens is None or not units:
        return []
    texts: dict[tuple[str, Span], str] = {}
    for hit, spans in units:
        for a, b in spans:
            texts.setdefault((hit.chunk_id, (a, b)), drop_footnote_marks(hit.text[a:b]))
    (pieces, question_vectors), *encoded = embed_tokens([question, *texts.values()])
    keep = [i for i, piece in enumerate(pieces) if _is_key_word(piece, needs)]
    if not keep:
        return []
    by_sentence = {key: vectors for key, (_, vectors) in zip(texts, encoded, strict=True)}
    focus = question_vectors[keep].astype(np.float32)
    scores = []
    for hit, spans in units:
        words = np.concatenate([by_sentence[(hit.chunk_id, s)] for s in spans]).astype(np.float32)
        scores.append(float((focus @ words.T).max(axis=1).mean()))
    return scores


def _is_key_word(piece: str, needs: QuestionNeeds) -> bool:
    return piece.isalpha() and bool(stems_of(piece) & set(needs.terms))
