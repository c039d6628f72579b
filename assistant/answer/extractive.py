"""Offline answers: the one to three source sentences that best answer the question, cited.

Every sentence of an answer is a verbatim sentence of a source. When a constraint of the
question (a year, a name, a quantity) is met by no retrieved sentence, the answer abstains and
names the nearest thing the sources do say.
"""

import math
from dataclasses import dataclass

from assistant.answer.draft import REFUSAL, Draft, citation
from assistant.answer.question import QuestionNeeds, analyse, mentions, mentions_words, stems_of
from assistant.chunking import drop_footnote_marks
from assistant.knowledge import KnowledgeBase
from assistant.numbers import extract_figures, years_in
from assistant.retrieve import Retrieval
from assistant.types import Hit

MODE = "extractive"
MIN_SIMILARITY = 0.30
MIN_RELEVANCE = 0.42
TERM_WEIGHT = 0.5
RANK_WEIGHT = 0.04
ENTITY_WEIGHT = 0.15
FOLLOWER_RATIO = 0.85


@dataclass
class Candidate:
    hit: Hit
    span: tuple[int, int]
    text: str
    similarity: float
    coverage: float
    score: float
    rank: int


def _term_weights(terms: list[str], contexts: list[set[str]]) -> dict[str, float]:
    """Rarer terms among the candidate sentences weigh more (a local inverse document frequency)."""
    total = len(contexts)
    return {t: math.log(1 + total / (1 + sum(t in c for c in contexts))) for t in terms}


def candidates(kb: KnowledgeBase, retrieval: Retrieval, needs: QuestionNeeds) -> list[Candidate]:
    """Every sentence of the retrieved chunks, scored against the question."""
    missing = [
        hit.chunk_id
        for hit in retrieval.hits
        if any(
            (hit.chunk_id, hit.start + a) not in retrieval.sentence_similarity
            for a, _ in hit.sentences
        )
    ]
    vectors = kb.store.sentence_vectors(missing)
    rows: list[tuple[int, Hit, tuple[int, int], str, float, set[str]]] = []
    for rank, hit in enumerate(retrieval.hits):
        for a, b in hit.sentences:
            key = (hit.chunk_id, hit.start + a)
            similarity = retrieval.sentence_similarity.get(key)
            if similarity is None:
                vector = vectors.get(key)
                similarity = float(vector @ retrieval.query_vector) if vector is not None else 0.0
            text = drop_footnote_marks(hit.text[a:b])
            rows.append((rank, hit, (a, b), text, similarity, stems_of(f"{hit.section} {text}")))
    weights = _term_weights(needs.terms, [row[5] for row in rows])
    weight_total = sum(weights.values()) or 1.0
    found: list[Candidate] = []
    for rank, hit, span, text, similarity, context in rows:
        coverage = sum(w for t, w in weights.items() if t in context) / weight_total
        named = sum(
            1.0 if mentions(text, e) else 0.5 if mentions(hit.text, e) else 0.0
            for e in needs.entities
        ) / max(1, len(needs.entities))
        score = similarity + TERM_WEIGHT * coverage + ENTITY_WEIGHT * named - RANK_WEIGHT * rank
        found.append(Candidate(hit, span, text, similarity, coverage, score, rank))
    return sorted(found, key=lambda c: -c.score)


def _meets(candidate: Candidate, needs: QuestionNeeds) -> bool:
    figures = extract_figures(candidate.text)
    if needs.years and not needs.years <= {int(f.value) for f in figures if f.kind == "year"}:
        return False
    if needs.wants_year and not any(f.kind == "year" for f in figures):
        return False
    return not needs.wants_quantity or any(f.kind != "year" for f in figures)


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
            return Draft(text, [citation(1, best.hit, [best.span])], True, MODE)
    return Draft(REFUSAL, [], True, MODE)


def _absent_entities(pool: list[Candidate], needs: QuestionNeeds) -> list[str]:
    """Names in the question that no retrieved passage mentions."""
    texts = {c.hit.chunk_id: f"{c.hit.title} {c.hit.text}" for c in pool}
    return [e for e in needs.entities if not any(mentions_words(t, e) for t in texts.values())]


def answer(kb: KnowledgeBase, question: str, retrieval: Retrieval, max_chars: int) -> Draft:
    needs = analyse(question)
    pool = candidates(kb, retrieval, needs)
    if not pool or (pool[0].similarity < MIN_SIMILARITY and pool[0].coverage < 0.5):
        return Draft(REFUSAL, [], True, MODE)
    absent = _absent_entities(pool, needs)
    if absent:
        return Draft(f"{REFUSAL} They do not mention {' or '.join(absent)}.", [], True, MODE)
    if needs.measure and not any(kb.lexical.knows(term) for term in needs.measure):
        return Draft(f"{REFUSAL} They give no figure for {needs.measure_text}.", [], True, MODE)
    eligible = [c for c in pool if _meets(c, needs)]
    if not eligible:
        return _near_miss(pool, needs)
    best = eligible[0]
    if best.similarity + TERM_WEIGHT * best.coverage < MIN_RELEVANCE:
        return Draft(REFUSAL, [], True, MODE)
    return _compose(_with_followers(best, eligible, needs, max_chars))


def _with_followers(
    best: Candidate, eligible: list[Candidate], needs: QuestionNeeds, max_chars: int
) -> list[Candidate]:
    """Add up to two more sentences when they are nearly as good and say something new."""
    chosen = [best]
    covered = stems_of(best.text) & set(needs.terms)
    length = len(best.text)
    for other in eligible[1:]:
        if len(chosen) == 3 or other.score < FOLLOWER_RATIO * best.score:
            break
        adds = (stems_of(other.text) & set(needs.terms)) - covered
        if not adds or length + len(other.text) + 5 > max_chars:
            continue
        chosen.append(other)
        covered |= adds
        length += len(other.text) + 5
    return chosen


def _compose(chosen: list[Candidate]) -> Draft:
    """Sentences in document order, one marker per chunk."""
    chosen = sorted(chosen, key=lambda c: (c.hit.source, c.hit.start + c.span[0]))
    numbers: dict[str, int] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    hits: dict[str, Hit] = {}
    parts: list[str] = []
    for candidate in chosen:
        chunk_id = candidate.hit.chunk_id
        n = numbers.setdefault(chunk_id, len(numbers) + 1)
        spans.setdefault(chunk_id, []).append(candidate.span)
        hits[chunk_id] = candidate.hit
        parts.append(f"{candidate.text} [{n}]")
    citations = [citation(numbers[c], hits[c], spans[c]) for c in numbers]
    return Draft(" ".join(parts), citations, False, MODE)
