"""A knowledge base: the store, the embedding model and the lexical index, kept in step."""

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.errors import EmptyStoreError
from assistant.knowledge.chunking import CHUNKER_VERSION, document_id
from assistant.knowledge.embeddings import build_embeddings, embedding_model_id
from assistant.knowledge.lexical import LexicalIndex
from assistant.knowledge.locks import data_dir_locks
from assistant.knowledge.records import DocumentRecord, corpus_fingerprint
from assistant.knowledge.store import ChromaStore

# How often a process looks for changes made by others: one read of the store's version.
FRESHNESS_SECONDS = 0.25
KNOWLEDGE_DIR_HINT = (
    "create it and put your documents there, or point ASSISTANT_KNOWLEDGE_DIR at the folder "
    "that holds them"
)
log = logging.getLogger(__name__)


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
        self._active: dict[str, DocumentRecord] = {}  # chunk id prefix -> its document
        self._version: str | None = None
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
        """Whether a chunk belongs to a document's current version, and that document's file
        is still there: a deleted file is never cited, even before the next ingest."""
        return chunk_id in self.active_chunks([chunk_id])

    def active_chunks(self, chunk_ids: Iterable[str]) -> set[str]:
        """The chunks among ``chunk_ids`` that ``is_active_chunk`` keeps, looking for each
        document's file once rather than once per chunk (a search asks about 120 chunks of a
        few dozen documents)."""
        present: dict[str, bool] = {}
        kept: set[str] = set()
        for chunk_id in chunk_ids:
            prefix = chunk_id.rsplit(":", 1)[0]
            if prefix not in present:
                record = self._active.get(prefix)
                present[prefix] = record is not None and self.file_present(record)
            if present[prefix]:
                kept.add(chunk_id)
        return kept

    def document_path(self, record: DocumentRecord) -> Path:
        """Where a document's file lies: in the knowledge dir, or under the folder it was
        ingested from."""
        return Path(record.origin or self.settings.knowledge_dir) / record.source

    def file_present(self, record: DocumentRecord) -> bool:
        """False when the document's folder is here but its file is not. A folder that is
        missing altogether (a process on another machine sharing a Chroma server) proves
        nothing, so its documents count as present. Two ``stat`` calls, a few microseconds."""
        folder = Path(record.origin or self.settings.knowledge_dir)
        return self.document_path(record).exists() or not folder.is_dir()

    def refresh(self, force: bool = False) -> None:
        """Follow changes made by any process: at most one look at the store's version per
        FRESHNESS_SECONDS, and a reload when it moved.

        A thread that finds another one reloading answers from the last complete state rather
        than wait (unless nothing is loaded yet, or ``force``); so does one that finds a
        writer saving the store's files. The check reads the store, not a note a writer leaves
        at its end: a writer killed mid-ingest has stamped the version before each write."""
        if not force and time.monotonic() - self._checked_at < FRESHNESS_SECONDS:
            return
        if not self._lock.acquire(blocking=force or self._version is None):
            return
        try:
            self._follow(force)
        finally:
            self._lock.release()

    def _follow(self, force: bool) -> None:
        version = self.store.version()
        if force or version != self._version:
            if not self.store.follow(blocking=force or self._version is None):
                return  # a writer holds the store's files: keep what we have, look again soon
            manifest = self.store.manifest()
            fingerprint = self.fingerprint(manifest)
            if force or fingerprint != self.lexical.fingerprint or manifest != self._manifest:
                self._reload(manifest, fingerprint)
            self._version = version
        self._checked_at = time.monotonic()

    def _reload(self, manifest: dict[str, DocumentRecord], fingerprint: str) -> None:
        self._manifest = manifest
        self._active = {
            f"{document_id(r.source)}:{r.content_hash[:12]}": r for r in manifest.values()
        }
        if self.lexical.fingerprint != fingerprint and not (
            self.lexical.load() and self.lexical.fingerprint == fingerprint
        ):
            rows = (
                (row["id"], str(row["metadata"]["source"]), _search_text(row))
                for row in self.store.active_chunks(manifest)
            )
            self.lexical.build(fingerprint, rows)

    @contextmanager
    def writing(self, announce: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the data dir's writer lock: one ingest, upload or removal at a time, across
        processes. A writer that has to wait says for whom (``announce``, else the log)."""
        locks = data_dir_locks(self.settings.data_dir)
        with locks.writer(self.settings.ingest_wait_seconds, announce or log.warning):
            yield

    def require_documents(self) -> None:
        self.refresh()
        if not self._manifest:
            knowledge_dir = self.settings.knowledge_dir
            if not knowledge_dir.exists():
                raise EmptyStoreError(
                    f"The knowledge base ({self.store.location}) is empty, and the knowledge "
                    f"dir {knowledge_dir} does not exist: {KNOWLEDGE_DIR_HINT}, then run "
                    "`assistant ingest`."
                )
            raise EmptyStoreError(
                f"The knowledge base ({self.store.location}) is empty. Run `assistant ingest` "
                f"to index {knowledge_dir}/."
            )


def _search_text(row: dict[str, object]) -> str:
    metadata = row["metadata"]
    assert isinstance(metadata, dict)
    return f"{metadata.get('title', '')}\n{metadata.get('section', '')}\n{row['text']}"
