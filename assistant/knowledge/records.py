"""What the store holds, free of any vendor: document records, writes, sentence ids and the
corpus fingerprint."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class DocumentRecord:
    source: str
    title: str
    content_hash: str
    chunker: str
    chunk_count: int
    origin: str = ""  # the folder it came from when outside the knowledge dir


@dataclass(frozen=True)
class DocumentWrite:
    """One document version to write: its record, chunk and sentence rows, sentence vectors."""

    record: DocumentRecord
    chunks: list[dict[str, Any]]
    sentences: list[dict[str, Any]]
    vectors: np.ndarray


@dataclass(frozen=True)
class SentenceMatch:
    chunk_id: str
    start: int
    end: int
    similarity: float


def sentence_id(chunk_id: str, number: int) -> str:
    """The id of a chunk's sentence, counted from 0."""
    return f"{chunk_id}:{number}"


def corpus_fingerprint(manifest: dict[str, DocumentRecord], config: str) -> str:
    """Document hashes plus chunking and embedding settings, as one short hex string."""
    lines = sorted(f"{r.source}\t{r.content_hash}\t{r.chunker}" for r in manifest.values())
    payload = json.dumps({"config": config, "documents": lines})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
