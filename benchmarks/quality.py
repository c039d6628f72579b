"""Retrieval quality, ours against the peer, on the answerable eval fixtures.

A retrieved chunk supports a case when it holds every one of the case's ``cite`` strings after
whitespace normalisation. Both pipelines get the same query: the question, or for a follow-up
the standalone question ``ask`` made of it.
"""

import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant import KnowledgeBase, Settings, ask
from assistant.knowledge.embeddings import MiniLMEmbeddings
from assistant.knowledge.ingest import sync
from assistant.search.retrieve import search
from benchmarks.measure import DECOYS, KNOWLEDGE, fresh_dir
from benchmarks.peer import PEER_K, PeerPipeline
from evals.cases import Case, load_cases

Retriever = Callable[[str], list[str]]


def corpus_files(decoys: bool) -> list[Path]:
    files = sorted(KNOWLEDGE.glob("*.md"))
    return files + sorted(DECOYS.glob("*.md")) if decoys else files


def open_knowledge(files: Sequence[Path], work: Path) -> KnowledgeBase:
    """Our knowledge base over copies of ``files``, ingested with the default settings."""
    knowledge = fresh_dir(work / "knowledge")
    for path in files:
        shutil.copy(path, knowledge / path.name)
    kb = KnowledgeBase(Settings(knowledge_dir=knowledge, data_dir=work / "data"))
    report = sync(kb)
    if report.skipped or report.documents != len(files):
        raise RuntimeError(f"ingest of the benchmark corpus failed: {report.skipped}")
    return kb


def answerable_cases() -> list[Case]:
    return [case for case in load_cases() if case.answerable and case.cite]


def queries(cases: Sequence[Case], kb: KnowledgeBase) -> list[str]:
    """What both pipelines search for: the standalone question of each case."""
    return [
        ask(case.question, history=case.history, knowledge=kb).standalone_question
        if case.history
        else case.question
        for case in cases
    ]


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def supports(chunk: str, cites: Sequence[str]) -> bool:
    text = _normal(chunk)
    return all(_normal(cite) in text for cite in cites)


def first_support(chunks: Sequence[str], cites: Sequence[str]) -> int | None:
    """1-based rank of the first supporting chunk, None when none of them supports the case."""
    return next((rank for rank, chunk in enumerate(chunks, 1) if supports(chunk, cites)), None)


def score(
    retrieve: Retriever, cases: Sequence[Case], questions: Sequence[str], all_chunks: list[str]
) -> dict[str, Any]:
    """recall@1, recall@4, MRR and context size of one pipeline over the cases."""
    ranks: list[int | None] = []
    context: list[int] = []
    per_case = []
    for case, question in zip(cases, questions, strict=True):
        chunks = retrieve(question)
        rank = first_support(chunks, case.cite)
        ranks.append(rank)
        context.append(sum(len(chunk) for chunk in chunks))
        per_case.append({"id": case.id, "rank": rank, "context_chars": context[-1]})
    total = len(cases)
    unsupported = [c.id for c in cases if not any(supports(x, c.cite) for x in all_chunks)]
    return {
        "cases": total,
        "recall_at_1": round(sum(r == 1 for r in ranks) / total, 4),
        "recall_at_4": round(sum(r is not None and r <= 4 for r in ranks) / total, 4),
        "mrr": round(sum(1 / r for r in ranks if r is not None) / total, 4),
        "context_chars_mean": round(sum(context) / total, 1),
        "chunks_in_corpus": len(all_chunks),
        "cases_no_chunk_supports": unsupported,
        "per_case": per_case,
    }


def _all_chunk_texts(kb: KnowledgeBase) -> list[str]:
    """Every passage of our knowledge base, for the 'no chunk could support it' count."""
    return [row["text"] for row in kb.store.active_chunks(kb.manifest())]


def compare(work: Path, decoys: bool, embeddings: MiniLMEmbeddings) -> dict[str, Any]:
    """Both pipelines on one corpus (the article, with or without the decoys)."""
    files = corpus_files(decoys)
    kb = open_knowledge(files, work)
    peer = PeerPipeline(files, embeddings)
    cases = answerable_cases()
    questions = queries(cases, kb)
    k = kb.settings.top_k

    def ours(query: str, k: int = k) -> list[str]:
        return [hit.text for hit in search(kb, query, k).hits]

    ours_chunks = _all_chunk_texts(kb)
    return {
        "documents": [path.name for path in files],
        "ours": {"k": k, **score(ours, cases, questions, ours_chunks)},
        # The same search handing over as many chunks as the peer: what more context buys.
        "ours_k4": {"k": 4, **score(lambda q: ours(q, 4), cases, questions, ours_chunks)},
        "peer": {
            "k": PEER_K,
            **score(peer.retrieve, cases, questions, [c.page_content for c in peer.chunks]),
        },
    }
