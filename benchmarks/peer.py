"""The peer: LangChain's RAG tutorial pipeline, with the same embedding model as ours.

Documents are split by ``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)``,
stored in ``langchain_chroma.Chroma`` (an in-memory Chroma client) and retrieved by
``similarity_search`` top 4, as in the tutorial.
"""

from collections.abc import Sequence
from itertools import count
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from assistant.knowledge.embeddings import MiniLMEmbeddings

PEER_K = 4
CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
_names = count()


def load_documents(paths: Sequence[Path]) -> list[Document]:
    """Each file's text as one document, as the tutorial's loader hands it over."""
    return [
        Document(page_content=path.read_text(encoding="utf-8"), metadata={"source": path.name})
        for path in paths
    ]


def split(documents: list[Document]) -> list[Document]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
    )
    return splitter.split_documents(documents)


class PeerPipeline:
    """Split, embed and store the files; ``retrieve`` is the tutorial's similarity search."""

    def __init__(self, paths: Sequence[Path], embeddings: MiniLMEmbeddings) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        self.chunks = split(load_documents(paths))
        client: Any = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(
            collection_name=f"peer{next(_names)}", embedding_function=embeddings, client=client
        )
        self.store.add_documents(self.chunks)

    def retrieve(self, query: str, k: int = PEER_K) -> list[str]:
        return [doc.page_content for doc in self.store.similarity_search(query, k=k)]
