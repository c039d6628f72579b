"""Our hybrid search as a LangChain retriever, for chains and tools built on LangChain."""

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field

from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.shared import shared_knowledge_base
from assistant.search.retrieve import search
from assistant.types import Hit


class HybridRetriever(BaseRetriever):
    """Dense sentence matches and BM25 fused, then re-ranked by each chunk's best sentence: the
    same search the answer step uses, as a LangChain ``BaseRetriever`` (a Runnable: ``invoke``,
    ``ainvoke``, ``batch``, ``stream``; callbacks and tracing as the caller configures them).

    ``invoke(question)`` returns up to ``k`` ``Document``s, best first. ``page_content`` is the
    chunk's text, ``id`` its chunk id, and ``metadata`` holds ``chunk_id``, ``source``, ``title``,
    ``section``, ``chunk_index``, ``start``/``end`` (character offsets of the chunk in the
    document's normalised text), ``sentences`` (``[start, end]`` spans relative to the chunk),
    ``rank`` (1 = best) and the scores: ``dense_score`` (cosine similarity of the best
    sentence, -1..1), ``lexical_score`` (BM25), ``fused_score`` (reciprocal rank fusion) and
    ``rerank_score`` (the best sentence's score against the question). A score is ``None``
    where that search did not find the chunk.

    Raises ``InvalidQuestionError`` for an empty or over-long question and ``EmptyStoreError``
    before anything is ingested.
    """

    knowledge: KnowledgeBase | None = Field(
        default=None, description="The knowledge base; default: the shared one for `settings`."
    )
    settings: Settings | None = Field(
        default=None, description="Used without `knowledge`; default: the environment's."
    )
    k: int = Field(default=4, ge=1, le=50, description="Documents returned per question.")
    sources: list[str] | None = Field(
        default=None, description="Only chunks of these documents (source names)."
    )

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        from assistant.answer.core import clean_question

        kb = self.knowledge or shared_knowledge_base(self.settings)
        cleaned = clean_question(query, (self.settings or kb.settings).max_question_chars)
        kb.require_documents()
        hits = search(kb, cleaned, self.k, self.sources).hits
        return [as_document(hit, rank) for rank, hit in enumerate(hits, start=1)]


def as_document(hit: Hit, rank: int) -> Document:
    """One hit as a LangChain ``Document``: text as content, everything else as metadata."""
    metadata = hit.model_dump(exclude={"text"})
    metadata["sentences"] = [list(span) for span in hit.sentences]
    metadata["rank"] = rank
    return Document(page_content=hit.text, id=hit.chunk_id, metadata=metadata)
