"""The hybrid search as a LangChain retriever, on the bundled article with the real model."""

import asyncio
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document

from assistant.errors import EmptyStoreError, InvalidQuestionError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.loaders import load_file
from assistant.search.retrieve import search
from assistant.search.retriever import HybridRetriever
from tests.conftest import ARTICLE

QUESTION = "How many overseas warehouses had been established by 2024?"


class RetrieverRuns(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def on_retriever_start(self, serialized: Any, query: str, **kwargs: Any) -> None:
        self.events.append(("start", query))

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append(("end", len(documents)))


def test_documents_carry_source_offsets_and_scores(bundled_kb: KnowledgeBase) -> None:
    documents = HybridRetriever(knowledge=bundled_kb, k=3).invoke(QUESTION)
    hits = search(bundled_kb, QUESTION, 3).hits
    assert [d.id for d in documents] == [h.chunk_id for h in hits]
    assert [d.metadata["rank"] for d in documents] == [1, 2, 3]
    best = documents[0]
    assert "2,500 overseas warehouses" in best.page_content
    meta = best.metadata
    assert meta["source"] == "china-digital-trade.md" and meta["section"]
    document = load_file(ARTICLE, ARTICLE.name, 10**8, 10).text
    for found in documents:
        start, end = found.metadata["start"], found.metadata["end"]
        assert document[start:end] == found.page_content
    for start, end in meta["sentences"]:
        assert 0 <= start < end <= len(best.page_content)
    assert meta["fused_score"] > 0 and meta["rerank_score"] is not None
    assert meta["dense_score"] is not None or meta["lexical_score"] is not None


def test_k_and_source_filter(bundled_kb: KnowledgeBase) -> None:
    assert len(HybridRetriever(knowledge=bundled_kb, k=1).invoke(QUESTION)) == 1
    none = HybridRetriever(knowledge=bundled_kb, sources=["other.md"]).invoke(QUESTION)
    assert none == []


def test_async_batch_and_callbacks(bundled_kb: KnowledgeBase) -> None:
    retriever = HybridRetriever(knowledge=bundled_kb, k=2)
    runs = RetrieverRuns()
    batched = retriever.batch([QUESTION, "Which country signed the first e-commerce MoU?"])
    assert all(len(documents) == 2 for documents in batched)
    found = asyncio.run(retriever.ainvoke(QUESTION, config={"callbacks": [runs]}))
    assert [d.id for d in found] == [d.id for d in batched[0]]
    assert runs.events == [("start", QUESTION), ("end", 2)]
    streamed = list(retriever.stream(QUESTION))
    assert len(streamed) == 1 and all(isinstance(d, Document) for d in streamed[0])


@pytest.mark.parametrize("query", ["", "  \n", "x" * 2001])
def test_unusable_queries_are_refused(bundled_kb: KnowledgeBase, query: str) -> None:
    with pytest.raises(InvalidQuestionError):
        HybridRetriever(knowledge=bundled_kb).invoke(query)


def test_an_empty_knowledge_base_says_to_ingest(fast_kb: KnowledgeBase) -> None:
    with pytest.raises(EmptyStoreError, match="assistant ingest"):
        HybridRetriever(knowledge=fast_kb).invoke(QUESTION)
