"""Hybrid retrieval: dense sentence matches and BM25 over chunks, fused by reciprocal rank,
then the top chunks re-ranked by their best sentence."""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.knowledge.base import KnowledgeBase
from assistant.search.question import QuestionNeeds, analyse
from assistant.search.rerank import Candidate, rerank
from assistant.types import Hit

RRF_K = 60
CANDIDATES = 40
# Fused chunks handed to the re-ranker: the answering passage is nearly always among the
# top 8 even when it is not in the top 4.
RERANK_POOL = 12


@dataclass
class Retrieval:
    """Ranked hits, plus what the answer step reuses: the query vector, the question's needs
    and the scored sentences of the hits."""

    hits: list[Hit]
    query_vector: np.ndarray
    needs: QuestionNeeds = field(default_factory=lambda: QuestionNeeds(terms=[]))
    candidates: list[Candidate] = field(default_factory=list)
    query: str = ""


def merged(retrievals: list[Retrieval]) -> Retrieval:
    """One retrieval from several (the parts of a question): their hits without repeats, in
    turn; the first part's needs; every candidate, best first."""
    if len(retrievals) == 1:
        return retrievals[0]
    hits = list({hit.chunk_id: hit for r in retrievals for hit in r.hits}.values())
    candidates = sorted((c for r in retrievals for c in r.candidates), key=lambda c: -c.score)
    query = " ".join(r.query for r in retrievals)
    first = retrievals[0]
    return Retrieval(hits, first.query_vector, first.needs, candidates, query)


def search(
    kb: KnowledgeBase, query: str, k: int, sources: Sequence[str] | None = None
) -> Retrieval:
    kb.refresh()
    query_vector = np.asarray(kb.embeddings.embed_query(query), dtype=np.float32)
    pool_hits = fused_pool(kb, query, query_vector, k, sources)
    needs = analyse(query)
    ordered, scored = rerank(kb, pool_hits, query_vector, query, needs)
    kept = {hit.chunk_id for hit in ordered[:k]}
    return Retrieval(
        ordered[:k], query_vector, needs, [c for c in scored if c.hit.chunk_id in kept], query
    )


def fused_pool(
    kb: KnowledgeBase, query: str, query_vector: np.ndarray, k: int,
    sources: Sequence[str] | None = None,
) -> list[Hit]:
    """The chunks handed to the re-ranker: dense and BM25 rankings fused, best first."""
    wanted = list(sources) if sources else None
    pool = max(CANDIDATES, 4 * k)
    matches = kb.store.nearest_sentences(query_vector, pool * 2, wanted)
    found = kb.lexical.search(query, pool, wanted)
    active = kb.active_chunks([m.chunk_id for m in matches] + [chunk_id for chunk_id, _ in found])
    dense: dict[str, float] = {}
    for match in matches:
        if match.chunk_id in active:
            dense[match.chunk_id] = max(dense.get(match.chunk_id, -1.0), match.similarity)
    lexical = {chunk_id: score for chunk_id, score in found if chunk_id in active}
    fused = _reciprocal_rank_fusion([_ranked(dense), _ranked(lexical)])
    ranked = sorted(fused, key=lambda chunk_id: -fused[chunk_id])
    return _distinct_hits(kb, ranked, max(k, RERANK_POOL), dense, lexical, fused)


def _distinct_hits(
    kb: KnowledgeBase, ranked: list[str], n: int, dense: dict[str, float],
    lexical: dict[str, float], fused: dict[str, float],
) -> list[Hit]:
    """The first ``n`` ranked chunks, skipping any whose text repeats an earlier one's."""
    rows = kb.store.get_chunks(ranked[: 2 * n])
    hits: list[Hit] = []
    seen_texts: set[str] = set()
    for chunk_id in ranked[: 2 * n]:
        row = rows.get(chunk_id)
        key = re.sub(r"\s+", " ", row["text"]).strip().lower() if row else ""
        if row is None or key in seen_texts:
            continue
        seen_texts.add(key)
        hits.append(_hit(row, dense.get(chunk_id), lexical.get(chunk_id), fused[chunk_id]))
        if len(hits) == n:
            break
    return hits


def _ranked(scores: dict[str, float]) -> list[str]:
    return sorted(scores, key=lambda chunk_id: -scores[chunk_id])


def _reciprocal_rank_fusion(rankings: list[list[str]]) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking, start=1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    return fused


def _hit(row: dict[str, Any], dense: float | None, lexical: float | None, fused: float) -> Hit:
    metadata = row["metadata"]
    return Hit(
        chunk_id=row["id"],
        text=row["text"],
        source=metadata["source"],
        title=metadata["title"],
        section=metadata["section"],
        chunk_index=metadata["chunk_index"],
        start=metadata["start"],
        end=metadata["end"],
        sentences=[tuple(span) for span in json.loads(metadata["sentences"])],
        dense_score=dense,
        lexical_score=lexical,
        fused_score=fused,
    )


def __getattr__(name: str) -> Any:
    """``HybridRetriever`` is defined on first use: LangChain's retriever classes are slow to
    import and answering a question does not need them."""
    if name == "HybridRetriever":
        from assistant.search.retriever import HybridRetriever

        return HybridRetriever
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
