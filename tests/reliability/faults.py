"""Helpers that cause faults for real: a `chroma run` to kill and restart, a read-only folder,
an ingest in a child process to SIGKILL, and the check that no document was half written."""

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.lexical import LexicalIndex
from assistant.knowledge.records import DocumentRecord
from benchmarks.server import free_port, start_chroma
from tests.fakes import KeywordHashEmbeddings

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = 30


class ChromaServer:
    """A `chroma run` on a fixed loopback port and folder, to be killed and started again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_chroma(self.path, self.port)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None

    def __enter__(self) -> "ChromaServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` read-only for this process, which may be root: a read-only bind mount,
    else the immutable attribute, else (not root) plain permissions."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    for on, off in (
        (["mount", "--bind", "-o", "ro", str(folder), str(folder)], ["umount", str(folder)]),
        (["chattr", "+i", str(folder)], ["chattr", "-i", str(folder)]),
    ):
        if shutil.which(on[0]) and subprocess.run(on, capture_output=True).returncode == 0:
            try:
                yield
            finally:
                subprocess.run(off, check=True, capture_output=True)
            return
    pytest.skip("cannot make a folder read-only for root here (no bind mount, no chattr)")


def write_corpus(folder: Path, version: int) -> dict[str, str]:
    """DOCUMENTS files whose text (and chunk count) depend on ``version``; returns their hashes."""
    folder.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for number in range(DOCUMENTS):
        paragraphs = [
            f"Shipment {number}.{p} of version {version} carried {p + version} crates of parts. "
            f"The customs office in port {number} cleared it after {p * 3 + version} hours. "
            f"Inspectors noted revision {version} of the manifest for lot {p}."
            for p in range(12 + version * 3)
        ]
        data = (f"# Ledger {number}\n\n" + "\n\n".join(paragraphs) + "\n").encode()
        (folder / f"ledger-{number:02d}.md").write_bytes(data)
        hashes[f"ledger-{number:02d}.md"] = hashlib.sha256(data).hexdigest()
    return hashes


def open_kb(knowledge: Path, data: Path) -> KnowledgeBase:
    settings = Settings(knowledge_dir=knowledge, data_dir=data)
    return KnowledgeBase(settings, embeddings=KeywordHashEmbeddings())


def ingest_main() -> None:
    """The child process: sync the folder, announcing each Chroma upsert before it starts."""
    from chromadb.api.models.Collection import Collection

    from assistant.knowledge import ingest

    # Small write batches, so every round has several upserts of each collection to kill at.
    if hasattr(ingest, "WRITE_BATCH_SENTENCES"):
        ingest.WRITE_BATCH_SENTENCES = 200
    upsert = Collection.upsert

    def announced(self: Collection, *args: object, **kwargs: object) -> None:
        print("upsert", self.name.rsplit("_", 1)[-1], flush=True)
        upsert(self, *args, **kwargs)  # type: ignore[arg-type]

    Collection.upsert = announced  # type: ignore[method-assign]
    ingest.sync(open_kb(Path(sys.argv[1]), Path(sys.argv[2])))
    print("done", flush=True)


class IngestRun:
    """`sync` in a child process, run to its end or SIGKILLed as it starts an upsert."""

    def __init__(self, knowledge: Path, data: Path) -> None:
        code = "from tests.reliability.faults import ingest_main; ingest_main()"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(knowledge), str(data)], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )

    def finish(self) -> str:
        out, _ = self.process.communicate(timeout=300)
        assert self.process.returncode == 0
        return out.strip().splitlines()[-1]

    def kill_at(self, collection: str, occurrence: int) -> None:
        """SIGKILL the moment the ``occurrence``-th upsert into ``collection`` begins."""
        assert self.process.stdout is not None
        seen = 0
        while seen < occurrence:
            line = self.process.stdout.readline().split()
            assert line and line[0] != "done", "the ingest ended before it could be killed"
            seen += line == ["upsert", collection]
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        assert self.process.returncode == -signal.SIGKILL


def leftovers(knowledge: Path, data: Path, newest: dict[str, str]) -> tuple[int, int]:
    """(documents at the newest version, rows of versions no manifest record names)."""
    kb = open_kb(knowledge, data)
    manifest = kb.store.manifest()
    at_newest = sum(record.content_hash == newest[s] for s, record in manifest.items())
    stray = 0
    for collection in (kb.store.chunks, kb.store.sentences):
        rows = collection.get(include=["metadatas"])["metadatas"]
        stray += sum(
            m["source"] not in manifest or manifest[m["source"]].content_hash != m["doc_hash"]
            for m in rows
        )
    return at_newest, stray


def check_consistent(
    knowledge: Path, data: Path, versions: list[dict[str, str]],
    reader: KnowledgeBase | None = None,
) -> dict[str, DocumentRecord]:
    """Every document fully one of ``versions``, its chunks and sentences all present, and the
    BM25 index (in memory, on disk, and in a ``reader`` open all along) over exactly the
    visible chunks."""
    kb = open_kb(knowledge, data)
    manifest = kb.store.manifest()
    for source, record in manifest.items():
        assert record.content_hash in {v[source] for v in versions}, source
        rows = kb.store.chunks.get(where={"source": source}, include=["metadatas"])
        current = [
            (chunk_id, meta) for chunk_id, meta in zip(rows["ids"], rows["metadatas"], strict=True)
            if meta["doc_hash"] == record.content_hash
        ]
        assert len(current) == record.chunk_count, f"{source} is half indexed"
        sentences = kb.store.sentences.get(where={"chunk_id": {"$in": [c for c, _ in current]}})
        expected = sum(len(json.loads(meta["sentences"])) for _, meta in current)
        assert len(sentences["ids"]) == expected, f"{source} lacks sentences"
    visible = {row["id"] for row in kb.store.active_chunks(manifest)}
    if reader is not None:  # first: the forced refresh below would leave it a hint
        reader.refresh()
        assert set(reader.lexical._ids) == visible, "a running reader follows the store"
    kb.refresh(force=True)
    assert set(kb.lexical._ids) == visible
    on_disk = LexicalIndex(kb.lexical.directory)
    assert on_disk.load() and set(on_disk._ids) == visible
    assert on_disk.fingerprint == kb.fingerprint(manifest)
    return manifest
