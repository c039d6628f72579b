"""The only module that imports chromadb: an embedded store in the data dir or a Chroma server.

Three collections per knowledge base: sentences (embedded by the model), chunks (the passages,
embedded as the mean of their sentences) and documents (one record per document: the manifest).
A document version becomes visible when its manifest record is written, after its chunks and
sentences; readers ignore rows of any other version, so a crash mid-write leaves each document
fully old or fully new.
"""

from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

import numpy as np

from assistant.config import Settings
from assistant.errors import EmbeddingMismatchError, StoreUnavailableError
from assistant.knowledge.records import DocumentRecord, DocumentWrite, SentenceMatch, sentence_id

P = ParamSpec("P")
R = TypeVar("R")
PAGE = 2000


def _guard(func: Callable[P, R]) -> Callable[P, R]:
    """Turn any Chroma or connection failure into one clear, user-facing error."""

    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (EmbeddingMismatchError, StoreUnavailableError):
            raise
        except Exception as exc:
            raise StoreUnavailableError(
                f"The vector store is unavailable ({type(exc).__name__}: {str(exc)[:200]}). "
                "Check ASSISTANT_DATA_DIR is writable, or that the Chroma server at "
                "ASSISTANT_CHROMA_HOST/ASSISTANT_CHROMA_PORT is running."
            ) from exc

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def describe_location(settings: Settings) -> str:
    if settings.chroma_host:
        return f"chroma server {settings.chroma_host}:{settings.chroma_port}"
    return f"embedded store in {settings.data_dir / 'chroma'}"


def _client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class ChromaStore:
    """Chunks, sentences and the document manifest of one knowledge base."""

    @_guard
    def __init__(self, settings: Settings, embedding_model: str, rebuild: bool = False) -> None:
        self.location = describe_location(settings)
        self.embedding_model = embedding_model
        self._client = _client(settings)
        self._names = {
            kind: f"{settings.collection}_{kind}" for kind in ("sentences", "chunks", "documents")
        }
        if rebuild:
            existing = {c.name for c in self._client.list_collections()}
            for name in self._names.values():
                if name in existing:
                    self._client.delete_collection(name)
        self._open()

    def _open(self) -> None:
        collections = {
            kind: self._client.get_or_create_collection(
                name,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": self.embedding_model},
                embedding_function=None,
            )
            for kind, name in self._names.items()
        }
        built_with = (collections["documents"].metadata or {}).get("embedding_model")
        if built_with and built_with != self.embedding_model:
            raise EmbeddingMismatchError(
                f"The store was built with the embedding model '{built_with}', but "
                f"'{self.embedding_model}' is configured. Re-ingest with "
                "`assistant ingest --rebuild` (or set ASSISTANT_EMBEDDING_MODEL back)."
            )
        self.sentences = collections["sentences"]
        self.chunks = collections["chunks"]
        self.documents = collections["documents"]

    @_guard
    def manifest(self) -> dict[str, DocumentRecord]:
        rows = self.documents.get(include=["metadatas"])
        return {
            str(m["source"]): DocumentRecord(
                source=str(m["source"]),
                title=str(m["title"]),
                content_hash=str(m["content_hash"]),
                chunker=str(m["chunker"]),
                chunk_count=int(m["chunk_count"]),
                origin=str(m.get("origin", "")),
            )
            for m in rows["metadatas"] or []
        }

    @_guard
    def stored_fingerprint(self) -> str:
        fresh = self._client.get_collection(self._names["documents"])
        return str((fresh.metadata or {}).get("fingerprint", ""))

    @_guard
    def set_fingerprint(self, fingerprint: str) -> None:
        metadata = {"embedding_model": self.embedding_model, "fingerprint": fingerprint}
        self.documents.modify(metadata=metadata)

    @_guard
    def write_documents(self, writes: list[DocumentWrite]) -> None:
        """Write new versions of documents, then make them visible, then drop the old ones.

        One upsert per collection for the whole batch: each write is a transaction whose commit
        costs more than the rows in it, so writing document by document is several times slower.
        """
        sentences = [row for write in writes for row in write.sentences]
        chunks = [row for write in writes for row in write.chunks]
        sentence_vectors = np.concatenate([write.vectors for write in writes])
        chunk_vectors = _mean_vectors(sentences, sentence_vectors, [c["id"] for c in chunks])
        for batch in _batches(len(sentences)):
            self.sentences.upsert(
                ids=[sentences[i]["id"] for i in batch],
                embeddings=sentence_vectors[batch],
                metadatas=[sentences[i]["metadata"] for i in batch],
            )
        for batch in _batches(len(chunks)):
            self.chunks.upsert(
                ids=[chunks[i]["id"] for i in batch],
                embeddings=chunk_vectors[batch],
                documents=[chunks[i]["text"] for i in batch],
                metadatas=[chunks[i]["metadata"] for i in batch],
            )
        ends = np.cumsum([len(write.chunks) for write in writes])
        self.documents.upsert(
            ids=[write.record.source for write in writes],
            embeddings=[
                _normalise(chunk_vectors[end - len(write.chunks) : end].mean(axis=0))
                for write, end in zip(writes, ends, strict=True)
            ],
            metadatas=[write.record.__dict__ for write in writes],
            documents=[write.record.title for write in writes],
        )
        self._delete_versions({w.record.source: w.record.content_hash for w in writes})

    @_guard
    def remove_document(self, source: str) -> None:
        self.documents.delete(ids=[source])
        self._delete_versions({source: None})

    def _delete_versions(self, keep: dict[str, str | None]) -> None:
        """Rows of these sources whose version is not the one kept (None: every version),
        in one delete per collection."""
        clauses: list[dict[str, Any]] = [
            {"$and": [{"source": source}, {"doc_hash": {"$ne": content_hash}}]}
            if content_hash is not None
            else {"source": source}
            for source, content_hash in keep.items()
        ]
        where = clauses[0] if len(clauses) == 1 else {"$or": clauses}
        self.sentences.delete(where=where)
        self.chunks.delete(where=where)

    @_guard
    def remove_orphans(self, manifest: dict[str, DocumentRecord]) -> int:
        """Delete rows of versions an interrupted write left behind; returns how many chunks."""
        stale = [
            chunk_id
            for chunk_id, metadata in self._iter_chunk_metadata()
            if not _is_active(metadata, manifest)
        ]
        for batch in _batches(len(stale)):
            ids = [stale[i] for i in batch]
            self.chunks.delete(ids=ids)
            self.sentences.delete(where={"chunk_id": {"$in": ids}})
        return len(stale)

    def _iter_chunk_metadata(self) -> Iterator[tuple[str, dict[str, Any]]]:
        offset = 0
        while True:
            rows = self.chunks.get(include=["metadatas"], limit=PAGE, offset=offset)
            yield from zip(rows["ids"], rows["metadatas"] or [], strict=True)
            if len(rows["ids"]) < PAGE:
                return
            offset += PAGE

    @_guard
    def active_chunks(self, manifest: dict[str, DocumentRecord]) -> Iterator[dict[str, Any]]:
        """Every visible chunk: id, text and metadata, page by page."""
        offset = 0
        while True:
            rows = self.chunks.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
            for chunk_id, text, metadata in zip(
                rows["ids"], rows["documents"] or [], rows["metadatas"] or [], strict=True
            ):
                if _is_active(metadata, manifest):
                    yield {"id": chunk_id, "text": text, "metadata": metadata}
            if len(rows["ids"]) < PAGE:
                return
            offset += PAGE

    @_guard
    def nearest_sentences(
        self, vector: np.ndarray, n: int, sources: list[str] | None = None
    ) -> list[SentenceMatch]:
        # No count() first: Chroma returns what there is, and each call is a round trip.
        where = {"source": {"$in": sources}} if sources else None
        rows = self.sentences.query(
            query_embeddings=[vector],
            n_results=n,
            where=where,
            include=["metadatas", "distances"],
        )
        return [
            SentenceMatch(str(m["chunk_id"]), int(m["start"]), int(m["end"]), 1.0 - float(d))
            for m, d in zip(rows["metadatas"][0], rows["distances"][0], strict=True)
        ]

    @_guard
    def get_chunks(self, chunk_ids: list[str]) -> dict[str, dict[str, Any]]:
        if not chunk_ids:
            return {}
        rows = self.chunks.get(ids=chunk_ids, include=["documents", "metadatas"])
        return {
            chunk_id: {"id": chunk_id, "text": text, "metadata": metadata}
            for chunk_id, text, metadata in zip(
                rows["ids"], rows["documents"] or [], rows["metadatas"] or [], strict=True
            )
        }

    @_guard
    def document_chunks(self, record: DocumentRecord) -> list[dict[str, Any]]:
        """Every chunk of the visible version of one document (id, text, metadata), in order."""
        where = {"$and": [{"source": record.source}, {"doc_hash": record.content_hash}]}
        rows = self.chunks.get(where=where, include=["documents", "metadatas"])
        chunks = [
            {"id": chunk_id, "text": text, "metadata": metadata}
            for chunk_id, text, metadata in zip(
                rows["ids"], rows["documents"] or [], rows["metadatas"] or [], strict=True
            )
        ]
        return sorted(chunks, key=lambda row: int(row["metadata"]["chunk_index"]))

    @_guard
    def sentence_vectors(self, counts: dict[str, int]) -> dict[tuple[str, int], np.ndarray]:
        """Embeddings of every sentence of the given chunks (chunk id → how many sentences),
        keyed by (chunk id, start). Fetched by id: a metadata filter scans the collection."""
        ids = [sentence_id(chunk_id, n) for chunk_id, count in counts.items() for n in range(count)]
        if not ids:
            return {}
        rows = self.sentences.get(ids=ids, include=["embeddings", "metadatas"])
        return {
            (str(m["chunk_id"]), int(m["start"])): np.asarray(v, dtype=np.float32)
            for m, v in zip(rows["metadatas"] or [], rows["embeddings"], strict=True)
        }

    @_guard
    def chunk_counts(self) -> int:
        return int(self.chunks.count())


def _is_active(metadata: dict[str, Any], manifest: dict[str, DocumentRecord]) -> bool:
    record = manifest.get(str(metadata.get("source")))
    return record is not None and record.content_hash == metadata.get("doc_hash")


def _batches(total: int, size: int = 1000) -> Iterator[list[int]]:
    for start in range(0, total, size):
        yield list(range(start, min(total, start + size)))


def _normalise(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def _mean_vectors(
    sentences: list[dict[str, Any]], vectors: np.ndarray, chunk_ids: list[str]
) -> np.ndarray:
    """A chunk's vector is the normalised mean of its sentences' vectors."""
    position = {chunk_id: i for i, chunk_id in enumerate(chunk_ids)}
    sums = np.zeros((len(chunk_ids), vectors.shape[1]), dtype=np.float32)
    for sentence, vector in zip(sentences, vectors, strict=True):
        sums[position[sentence["metadata"]["chunk_id"]]] += vector
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return sums / np.clip(norms, 1e-12, None)
