"""What the store holds, free of any vendor: document records, writes, sentence ids and the
corpus fingerprint."""

import hashlib
import json
from collections.abc import Iterator
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
    similarity: float


def sentence_id(chunk_id: str, number: int) -> str:
    """The id of a chunk's sentence, counted from 0."""
    return f"{chunk_id}:{number}"


def chunk_of(sentence: str) -> str:
    """The id of the chunk a sentence id (``sentence_id``) belongs to."""
    return sentence.rsplit(":", 1)[0]


def corpus_fingerprint(manifest: dict[str, DocumentRecord], config: str) -> str:
    """Document hashes plus chunking and embedding settings, as one short hex string."""
    lines = sorted(f"{r.source}\t{r.content_hash}\t{r.chunker}" for r in manifest.values())
    payload = json.dumps({"config": config, "documents": lines})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def batches(total: int, size: int = 1000) -> Iterator[list[int]]:
    """Positions 0..total-1 in lists of at most ``size``."""
    for start in range(0, total, size):
        yield list(range(start, min(total, start + size)))


def normalise(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def mean_vectors(
    sentences: list[dict[str, Any]], vectors: np.ndarray, chunk_ids: list[str]
) -> np.ndarray:
    """A chunk's vector is the normalised mean of its sentences' vectors."""
    position = {chunk_id: i for i, chunk_id in enumerate(chunk_ids)}
    sums = np.zeros((len(chunk_ids), vectors.shape[1]), dtype=np.float32)
    for sentence, vector in zip(sentences, vectors, strict=True):
        sums[position[sentence["metadata"]["chunk_id"]]] += vector
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return sums / np.clip(norms, 1e-12, None)
