"""Our hybrid search as a LangChain retriever, for chains and tools built on LangChain."""

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant.search.retrieve import search


class HybridRetriever(BaseRetriever):
    """The same search as a LangChain retriever, for chains and tools built on LangChain."""

    knowledge: Any
    k: int = 4
    sources: list[str] | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        result = search(self.knowledge, query, self.k, self.sources)
        return [
            Document(
                page_content=hit.text, id=hit.chunk_id, metadata=hit.model_dump(exclude={"text"})
            )
            for hit in result.hits
        ]
