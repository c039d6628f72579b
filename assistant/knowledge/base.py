"""A knowledge base: the store, the embedding model and the lexical index, kept in step."""

import threading
import time
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.errors import EmptyStoreError
from assistant.knowledge.chunking import CHUNKER_VERSION, document_id
from assistant.knowledge.embeddings import build_embeddings, embedding_model_id
from assistant.knowledge.lexical import LexicalIndex
from assistant.knowledge.records import DocumentRecord, corpus_fingerprint
from assistant.knowledge.store import ChromaStore

FRESHNESS_SECONDS = 1.0


class KnowledgeBase:
    """Opened once per process and shared; safe to use from several threads."""

    def __init__(
        self,
        settings: Settings,
        embeddings: Embeddings | None = None,
        store: ChromaStore | None = None,
        rebuild: bool = False,
    ) -> None:
        self.settings = settings
        self.embeddings = embeddings or build_embeddings(settings)
        self.embedding_model = embedding_model_id(self.embeddings)
        self.store = store or ChromaStore(settings, self.embedding_model, rebuild)
        self.lexical = LexicalIndex(self._lexical_dir())
        self._manifest: dict[str, DocumentRecord] = {}
        self._active_prefixes: frozenset[str] = frozenset()
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def _lexical_dir(self) -> Path:
        settings = self.settings
        where = (
            f"{settings.chroma_host}-{settings.chroma_port}" if settings.chroma_host else "local"
        )
        return settings.data_dir / "lexical" / f"{settings.collection}-{where}"

    @property
    def chunker(self) -> str:
        return f"{CHUNKER_VERSION}:{self.settings.chunk_min_chars}-{self.settings.chunk_max_chars}"

    @property
    def config_id(self) -> str:
        return f"{self.embedding_model}|{self.chunker}"

    def fingerprint(self, manifest: dict[str, DocumentRecord] | None = None) -> str:
        return corpus_fingerprint(
            self.store.manifest() if manifest is None else manifest, self.config_id
        )

    def manifest(self) -> dict[str, DocumentRecord]:
        self.refresh()
        return self._manifest

    def is_active_chunk(self, chunk_id: str) -> bool:
        return chunk_id.rsplit(":", 1)[0] in self._active_prefixes

    def refresh(self, force: bool = False) -> None:
        """Follow changes made by other processes: at most one store check per second.

        The check reads the manifest itself, not a fingerprint a writer stores at its end: a
        writer killed mid-ingest leaves complete documents behind but never gets there."""
        now = time.monotonic()
        if not force and now - self._checked_at < FRESHNESS_SECONDS:
            return
        with self._lock:
            manifest = self.store.manifest()
            fingerprint = self.fingerprint(manifest)
            if force or fingerprint != self.lexical.fingerprint or manifest != self._manifest:
                self._reload(manifest, fingerprint)
            self._checked_at = time.monotonic()

    def _reload(self, manifest: dict[str, DocumentRecord], fingerprint: str) -> None:
        self._manifest = manifest
        self._active_prefixes = frozenset(
            f"{document_id(r.source)}:{r.content_hash[:12]}" for r in manifest.values()
        )
        if self.lexical.fingerprint != fingerprint and not (
            self.lexical.load() and self.lexical.fingerprint == fingerprint
        ):
            rows = (
                (row["id"], str(row["metadata"]["source"]), _search_text(row))
                for row in self.store.active_chunks(manifest)
            )
            self.lexical.build(fingerprint, rows)
        if self.store.stored_fingerprint() != fingerprint:
            self.store.set_fingerprint(fingerprint)

    def require_documents(self) -> None:
        self.refresh()
        if not self._manifest:
            raise EmptyStoreError(
                f"The knowledge base ({self.store.location}) is empty. Run `assistant ingest` "
                f"to index {self.settings.knowledge_dir}/."
            )


def _search_text(row: dict[str, object]) -> str:
    metadata = row["metadata"]
    assert isinstance(metadata, dict)
    return f"{metadata.get('title', '')}\n{metadata.get('section', '')}\n{row['text']}"
