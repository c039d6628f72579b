"""The features the fitted answer step reads: one row per candidate unit (a sentence, or a
sentence with the one it leans on), and one row per question for the answer's confidence.

Every feature is a number computed the same way at answer time and by the fitting script
(``benchmarks/fit_answer.py``); ``assistant/fitted/answer-step.json`` holds the weights.
"""

import itertools
import math
import re
from dataclasses import dataclass

import numpy as np

from assistant.checks.numbers import extract_figures
from assistant.knowledge.chunking import drop_footnote_marks
from assistant.search.answer_types import holds_type
from assistant.search.question import QuestionNeeds, key_terms, mentions, stems_of
from assistant.text import negates
from assistant.types import Hit

UNIT_FEATURES = (
    "similarity",
    "coverage",
    "chunk_coverage",
    "named",
    "missing_term",
    "chunk_missing_term",
    "rare_matched",
    "bigrams",
    "type_match",
    "novelty",
    "pair",
    "chunk_rank",
    "chunk_similarity",
    "context_similarity",
    "lexical",
    "negation_mismatch",
    "figure_missing",
    "length",
)
ALIGNED_FEATURES = ("alignment", "alignment_min")
CONFIDENCE_FEATURES = (
    "score",
    "margin",
    "similarity",
    "coverage",
    "chunk_coverage",
    "missing_term",
    "chunk_missing_term",
    "type_match",
    "asks_type",
    "negation_mismatch",
    "figure_missing",
    "alignment",
    "alignment_min",
    "corpus_missing",
    "named",
    "missing_count",
    "missing_share",
    "missing_name",
    "missing_number",
)
# Capitalised words inside a question (not its first word) and numbers in any form: what a
# crowd-written unanswerable question most often swaps ("Scottish rivers" -> "French rivers",
# "fourth session" -> "fifth session", "in 1690").
_INNER_NAME = re.compile(r"(?<=[a-z,;:]\s)[A-Z][\w'’-]+")
_NUMBER = re.compile(
    r"\b\d+(?:[.,]\d+)*(?:st|nd|rd|th|s)?\b|\b(?:first|second|third|fourth|fifth|sixth|seventh|"
    r"eighth|ninth|tenth|eleventh|twelfth|hundredth|thousandth|one|two|three|four|five|six|"
    r"seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|"
    r"billion)\b",
    re.IGNORECASE,
)

Span = tuple[int, int]


@dataclass(frozen=True)
class QuestionContext:
    """What every unit of one question is compared with."""

    question: str
    needs: QuestionNeeds
    weights: dict[str, float]  # question term -> IDF
    max_idf: float
    question_stems: frozenset[str]
    question_bigrams: frozenset[tuple[str, str]]
    negated: bool
    figures: frozenset[str]

    @classmethod
    def build(cls, question: str, needs: QuestionNeeds, weights: dict[str, float],
              chunk_count: int) -> "QuestionContext":
        figures = frozenset(
            f.text.lower() for f in extract_figures(question) if f.kind in ("year", "number")
        )
        return cls(
            question=question,
            needs=needs,
            weights=weights,
            max_idf=math.log(2 * max(chunk_count, 1) + 2),
            question_stems=stems_of(question),
            question_bigrams=frozenset(_bigrams(key_terms(question))),
            negated=negates(question),
            figures=figures,
        )


def _bigrams(terms: list[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(terms))


def _covered(context: QuestionContext, stems: frozenset[str]) -> tuple[float, float]:
    """IDF-weighted share of the question's terms in ``stems``, and the normalised IDF of the
    rarest term missing (0 when none is)."""
    total = sum(context.weights.values())
    if not total:
        return 1.0, 0.0
    share = sum(w for t, w in context.weights.items() if t in stems) / total
    missing = max((w for t, w in context.weights.items() if t not in stems), default=0.0)
    return share, min(1.0, missing / context.max_idf)


@dataclass(frozen=True)
class UnitPlace:
    """Where a unit sits: its chunk's rank in the fused pool, the chunk's BM25 score relative
    to the pool's best, and the best similarity of the chunk's and the neighbours' sentences."""

    chunk_rank: int
    lexical: float
    chunk_similarity: float
    context_similarity: float


def unit_row(
    context: QuestionContext, hit: Hit, spans: list[Span], similarity: float, place: UnitPlace
) -> tuple[str, np.ndarray]:
    """The unit's text and its ``UNIT_FEATURES`` row."""
    needs = context.needs
    text = " ".join(drop_footnote_marks(hit.text[a:b]) for a, b in spans)
    unit_stems = stems_of(f"{hit.section} {text}")
    coverage, missing = _covered(context, unit_stems)
    chunk_coverage, chunk_missing = _covered(
        context, stems_of(f"{hit.title} {hit.section} {hit.text}")
    )
    rare = max((w for t, w in context.weights.items() if t in unit_stems), default=0.0)
    pairs = context.question_bigrams
    bigrams = len(pairs & _bigrams(key_terms(text))) / len(pairs) if pairs else 0.0
    own = stems_of(text)
    novelty = len(own - context.question_stems) / max(1, len(own))
    named = sum(
        1.0 if mentions(text, e) else 0.5 if mentions(hit.text, e) else 0.0
        for e in needs.entities
    ) / max(1, len(needs.entities))
    figures = {f.text.lower() for f in extract_figures(text)}
    row = [
        similarity,
        coverage,
        chunk_coverage,
        named if needs.entities else 1.0,
        missing,
        chunk_missing,
        min(1.0, rare / context.max_idf),
        bigrams,
        float(needs.asked != "other" and holds_type(needs.asked, text, context.question)),
        novelty,
        float(len(spans) > 1),
        1.0 / (1.0 + place.chunk_rank),
        place.chunk_similarity,
        place.context_similarity,
        place.lexical,
        float(context.negated != negates(text)),
        float(bool(context.figures - figures)),
        math.log1p(len(text)) / 6.0,
    ]
    return text, np.asarray(row, dtype=np.float32)


def with_contrast(row: np.ndarray, likeness: float) -> np.ndarray:
    """A contrast question's type match is how alike (cosine, floored at 0) what the unit sets
    aside is to what the question sets aside: "deliberate planning" and "design" score about
    0.4 with MiniLM, "deliberate planning" and "specific rules" about 0.2. It needs embeddings,
    so it comes after the row."""
    row = row.copy()
    row[UNIT_FEATURES.index("type_match")] = max(0.0, likeness)
    return row


def swaps(question: str, context: str) -> dict[str, float]:
    """What of the question the best unit (with its section and title, ``context``) lacks:
    how many key terms and which share, a name inside the question, a number in any form."""
    terms = key_terms(question)
    present = stems_of(context)
    missing = [t for t in terms if t not in present]
    names = [m.group(0) for m in _INNER_NAME.finditer(question)]
    lowered = context.lower()
    numbers = {m.group(0).lower() for m in _NUMBER.finditer(question)}
    return {
        "missing_count": float(len(missing)),
        "missing_share": len(missing) / len(terms) if terms else 0.0,
        "missing_name": float(any(not (stems_of(n) & present) for n in names)),
        "missing_number": float(any(
            re.search(rf"\b{re.escape(n)}\b", lowered) is None for n in numbers
        )),
    }


def confidence_row(
    unit: np.ndarray, aligned: np.ndarray, score: float, runner_up: float,
    corpus_missing: float, asks_type: bool, lacking: dict[str, float],
) -> np.ndarray:
    """The ``CONFIDENCE_FEATURES`` row of a question, from its best unit (``lacking``: its
    ``swaps``)."""
    value = dict(zip(UNIT_FEATURES, unit.tolist(), strict=True))
    value.update(zip(ALIGNED_FEATURES, aligned.tolist(), strict=True))
    value.update(
        score=score, margin=score - runner_up, corpus_missing=corpus_missing,
        asks_type=float(asks_type), **lacking,
    )
    return np.asarray([value[name] for name in CONFIDENCE_FEATURES], dtype=np.float32)
