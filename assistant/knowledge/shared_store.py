"""The store's Chroma client and collection handles, shared safely by several processes.

With ``store.py`` the only code that imports chromadb. Several processes may use one store: a
chat page, a Slack bot, `assistant ingest`. Chroma's embedded store keeps each vector index in
the memory of the process that loaded it and never sees another process's writes (a reader
then misses new rows and fails on deleted ones: "Error finding id"), so:

- every mutation holds the data dir's short file lock and first stamps a new *version* in the
  documents collection's metadata;
- a process that finds a version it has not loaded reopens its client before it reads and before
  it writes. The reopen holds the same lock, so it never loads an index a writer is halfway
  through saving; a reader that finds the lock taken keeps its last complete state for now;
- a read that fails while the store changed under it is retried once after a reopen, and the
  error, if it still fails, names the process that is writing.

With a Chroma server the same steps run; a reopen only fetches fresh collection handles.
"""

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

from assistant.config import Settings
from assistant.errors import EmbeddingMismatchError, StoreUnavailableError
from assistant.knowledge.locks import data_dir_locks

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound="SharedCollections")
KINDS = ("sentences", "chunks", "documents")
log = logging.getLogger(__name__)


def guard(func: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Retry once after a reopen when the store changed under the call; turn any Chroma or
    connection failure into one clear, user-facing error."""

    def wrapper(store: S, *args: P.args, **kwargs: P.kwargs) -> R:
        generation = store.connection.generation
        try:
            return func(store, *args, **kwargs)
        except (EmbeddingMismatchError, StoreUnavailableError):
            raise
        except Exception as exc:
            if not store.recovered(generation, exc):
                raise StoreUnavailableError(store.explain(exc)) from exc
        try:
            return func(store, *args, **kwargs)
        except (EmbeddingMismatchError, StoreUnavailableError):
            raise
        except Exception as exc:
            raise StoreUnavailableError(store.explain(exc)) from exc

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


class Connection:
    """This process's one Chroma client for a store location (Chroma keeps one embedded
    client per path anyway), replaced by a fresh one when another process changed the store.

    ``version`` is the store version the client's state includes; ``generation`` counts
    reopens, so that collection handles of an older client are fetched again."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = _client(settings)
        self.generation = 0
        self.version: str | None = None

    def reopen(self) -> None:
        if not self.settings.chroma_host:
            self.client.close()  # the path's last client: Chroma drops its loaded indexes
            self.client = _client(self.settings)
        self.generation += 1


_CONNECTIONS: dict[str, Connection] = {}
_CONNECTIONS_LOCK = threading.Lock()


def _connection(settings: Settings) -> Connection:
    key = describe_location(settings)
    if not settings.chroma_host:
        key = str((settings.data_dir / "chroma").resolve())
    with _CONNECTIONS_LOCK:
        if key not in _CONNECTIONS:
            _CONNECTIONS[key] = Connection(settings)
        return _CONNECTIONS[key]


class SharedCollections:
    """The three collections of one knowledge base on this process's connection."""

    def __init__(self, settings: Settings, embedding_model: str, rebuild: bool = False) -> None:
        self.location = describe_location(settings)
        self._check = (
            f"Check that the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
            "(ASSISTANT_CHROMA_HOST, ASSISTANT_CHROMA_PORT) is running."
            if settings.chroma_host else
            f"Check that ASSISTANT_DATA_DIR ({settings.data_dir}) is a folder this process "
            "can write."
        )
        self.embedding_model = embedding_model
        self._locks = data_dir_locks(settings.data_dir)
        self._names = {kind: f"{settings.collection}_{kind}" for kind in KINDS}
        self._collections: dict[str, Any] = {}
        self._generation = -1
        self._open(settings, rebuild)

    def _open(self, settings: Settings, rebuild: bool) -> None:
        try:
            self.connection = _connection(settings)
            with self._locks.files():
                if rebuild:
                    self._drop_collections()
                self._handles()
                if rebuild:
                    self._stamp()
                elif self.connection.version is None:
                    self._warm()
                    self.connection.version = self._read_version()
        except (EmbeddingMismatchError, StoreUnavailableError):
            raise
        except Exception as exc:
            raise StoreUnavailableError(self.explain(exc)) from exc

    def _drop_collections(self) -> None:
        existing = {c.name for c in self.connection.client.list_collections()}
        for name in self._names.values():
            if name in existing:
                self.connection.client.delete_collection(name)
        self._generation = -1

    def _handles(self) -> dict[str, Any]:
        """The collections of the current client, fetched again after a reopen."""
        if self._generation == self.connection.generation and self._collections:
            return self._collections
        generation = self.connection.generation
        collections = {
            kind: self.connection.client.get_or_create_collection(
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
        self._collections, self._generation = collections, generation
        return collections

    @property
    def sentences(self) -> Any:
        return self._handles()["sentences"]

    @property
    def chunks(self) -> Any:
        return self._handles()["chunks"]

    @property
    def documents(self) -> Any:
        return self._handles()["documents"]

    def _warm(self) -> None:
        """Load each collection's vector index now, while the file lock is held."""
        for collection in self._handles().values():
            collection.get(limit=1, include=["embeddings"])

    def _metadata(self) -> dict[str, Any]:
        fresh = self.connection.client.get_collection(self._names["documents"])
        return dict(fresh.metadata or {})

    def _read_version(self) -> str:
        return str(self._metadata().get("version", ""))

    @guard
    def version(self) -> str:
        """The store's current version: it changes with every mutation, by any process."""
        return self._read_version()

    def follow(self, blocking: bool = False) -> bool:
        """Reopen when another process changed the store since this one loaded it. Returns
        False when that is needed but a writer holds the file lock and ``blocking`` is off:
        the caller keeps what it has and asks again later."""
        if self.version() == self.connection.version:
            return True
        with self._locks.files(blocking) as held:
            if not held:
                return False
            current = self._read_version()
            if current != self.connection.version:
                self._reopen(current)
        return True

    def _reopen(self, version: str) -> None:
        log.info("The store (%s) changed in another process; reopening it.", self.location)
        self.connection.reopen()
        self._warm()
        self.connection.version = version

    @contextmanager
    def _mutating(self) -> Iterator[None]:
        """Hold the file lock, catch up with other processes' writes, stamp a new version."""
        with self._locks.files():
            current = self._read_version()
            if current != self.connection.version:
                self._reopen(current)
            self._stamp()
            yield

    def _stamp(self) -> None:
        """Write a new store version: every other process reopens before its next read."""
        version = uuid.uuid4().hex[:16]
        self._write_metadata(version=version)
        self.connection.version = version

    def _write_metadata(self, **values: str) -> None:
        metadata = {**self._metadata(), "embedding_model": self.embedding_model, **values}
        self.documents.modify(metadata=metadata)

    def recovered(self, generation: int, exc: Exception) -> bool:
        """After a failed call: whether the store was reopened since the call began (now, or
        by another thread), so that the call is worth one more try."""
        try:
            if self.connection.generation != generation:
                return True
            if self._read_version() == self.connection.version:
                return False
            log.info(
                "A store call failed while another process changed the store (%s: %s); "
                "reopening and retrying.", type(exc).__name__, str(exc)[:200],
            )
            return self.follow(blocking=True)
        except Exception:
            return False

    def explain(self, exc: Exception) -> str:
        cause = f"{type(exc).__name__}: {str(exc)[:200]}"
        writer = self._locks.busy_writer()
        if writer:
            return (
                f"The vector store is busy: {writer} is writing to it, and a read failed even "
                f"after reopening the store ({cause}). Ask again in a moment."
            )
        return f"The vector store is unavailable ({cause}). {self._check}"
