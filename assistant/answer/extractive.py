"""Offline answers: the one to three source sentences that best answer the question, cited.

Every sentence of an answer is a verbatim sentence of a source. When a constraint of the
question (a year, a name, a quantity) is met by no retrieved sentence, the answer abstains and
names the nearest thing the sources do say.
"""

from dataclasses import dataclass

from assistant.answer.draft import REFUSAL, Draft, citation
from assistant.answer.question import QuestionNeeds, analyse, mentions, stems_of
from assistant.chunking import drop_footnote_marks
from assistant.knowledge import KnowledgeBase
from assistant.numbers import extract_figures, years_in
from assistant.retrieve import Retrieval
from assistant.types import Hit

MODE = "extractive"
MIN_SIMILARITY = 0.30
MIN_RELEVANCE = 0.42
TERM_WEIGHT = 0.35
RANK_WEIGHT = 0.04
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
    terms = set(needs.terms)
    found: list[Candidate] = []
    for rank, hit in enumerate(retrieval.hits):
        for a, b in hit.sentences:
            key = (hit.chunk_id, hit.start + a)
            similarity = retrieval.sentence_similarity.get(key)
            if similarity is None:
                vector = vectors.get(key)
                similarity = float(vector @ retrieval.query_vector) if vector is not None else 0.0
            text = drop_footnote_marks(hit.text[a:b])
            context = stems_of(f"{hit.title} {hit.section} {text}")
            coverage = len(terms & context) / len(terms) if terms else 0.0
            score = similarity + TERM_WEIGHT * coverage - RANK_WEIGHT * rank
            found.append(Candidate(hit, (a, b), text, similarity, coverage, score, rank))
    return sorted(found, key=lambda c: -c.score)


def _meets(candidate: Candidate, needs: QuestionNeeds) -> bool:
    if needs.years and not needs.years <= years_in(candidate.text):
        return False
    context = f"{candidate.hit.title} {candidate.hit.section} {candidate.hit.text}"
    if not all(mentions(context, entity) for entity in needs.entities):
        return False
    return not needs.wants_quantity or bool(extract_figures(candidate.text))


def _near_miss(pool: list[Candidate], needs: QuestionNeeds) -> Draft:
    """Abstain, saying what the sources do give when they hold something close."""
    missing_entities = [
        e
        for e in needs.entities
        if not any(mentions(f"{c.hit.title} {c.hit.text}", e) for c in pool)
    ]
    if missing_entities:
        names = " or ".join(missing_entities)
        return Draft(f"{REFUSAL} They do not mention {names}.", [], True, MODE)
    if needs.years:
        close = [
            c
            for c in pool[:6]
            if years_in(c.text)
            and c.similarity >= MIN_SIMILARITY
            and all(mentions(c.hit.text, e) for e in needs.entities)
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


def answer(kb: KnowledgeBase, question: str, retrieval: Retrieval, max_chars: int) -> Draft:
    needs = analyse(question)
    pool = candidates(kb, retrieval, needs)
    if not pool or (pool[0].similarity < MIN_SIMILARITY and pool[0].coverage < 0.5):
        return Draft(REFUSAL, [], True, MODE)
    eligible = [c for c in pool if _meets(c, needs)]
    if not eligible:
        return _near_miss(pool, needs)
    best = eligible[0]
    if best.similarity + TERM_WEIGHT * best.coverage < MIN_RELEVANCE:
        return Draft(REFUSAL, [], True, MODE)
    chosen = _with_followers(best, eligible, needs, max_chars)
    return _compose(chosen)


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
