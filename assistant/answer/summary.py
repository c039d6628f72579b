"""Extractive summaries: a document's most central sentences, from across its sections.

Centrality is computed on the sentence vectors the store already holds (all-MiniLM-L6-v2), so a
summary costs no model pass: continuous LexRank (Erkan & Radev, 2004) — PageRank over the
sentences' cosine similarities — then a greedy pick that prefers sentences of sections not yet
used and unlike those already picked. The picks are returned in document order. README
("Summaries") gives the comparison with sumy's LexRank and TextRank and a centroid score.
"""

import json
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.chunking import drop_footnote_marks
from assistant.knowledge.records import DocumentRecord
from assistant.types import Hit

MIN_CHARS = 40
MAX_CHARS = 500
MAX_SENTENCES = 2000  # longer documents are sampled evenly before the O(n²) similarity matrix
DAMPING = 0.85
REDUNDANCY = 0.5  # weight of a candidate's similarity to the sentences already picked
SECTION_REUSE = 0.25  # penalty for a second sentence from a section already used
LEANING = 0.3  # penalty for a sentence that leans on the one before ("They also found…")
_LEANS = re.compile(
    r"^(?:(?:[A-Z][\w ]{0,20}, )?(?:they|them|it|its|this|these|those|he|she|his|her|their|"
    r"such)\b|(?:however|meanwhile|at the same time|in contrast|moreover|furthermore|also|"
    r"additionally|similarly|likewise|therefore|thus|as a result|in addition|but|and|yet|"
    r"instead|nevertheless|nonetheless|still|then)\b)",
    re.IGNORECASE,
)
_CACHE_SIZE = 128


@dataclass(frozen=True)
class Pick:
    """One sentence of a document: its chunk and its span in the chunk's text."""

    hit: Hit
    span: tuple[int, int]
    score: float

    @property
    def text(self) -> str:
        return drop_footnote_marks(self.hit.text[self.span[0] : self.span[1]])

    @property
    def position(self) -> int:
        return self.hit.start + self.span[0]


def summary_length(sentences: int) -> int:
    """3 to 6 sentences, growing with the square root of the document's length."""
    return min(6, max(3, round(math.sqrt(sentences) / 1.5)), sentences)


def chunk_hit(row: dict[str, Any]) -> Hit:
    """A stored chunk row as a ``Hit`` (unscored)."""
    metadata = row["metadata"]
    return Hit(
        chunk_id=row["id"], text=row["text"], source=metadata["source"],
        title=metadata["title"], section=metadata["section"],
        chunk_index=metadata["chunk_index"], start=metadata["start"], end=metadata["end"],
        sentences=[tuple(span) for span in json.loads(metadata["sentences"])],
    )


def _sentences(kb: KnowledgeBase, record: DocumentRecord) -> tuple[list[Pick], np.ndarray]:
    """The document's sentences long enough to stand alone, with their stored vectors."""
    hits = [chunk_hit(row) for row in kb.store.document_chunks(record)]
    vectors = kb.store.sentence_vectors({h.chunk_id: len(h.sentences) for h in hits})
    picks: list[Pick] = []
    rows: list[np.ndarray] = []
    for hit in hits:
        for span in hit.sentences:
            vector = vectors.get((hit.chunk_id, hit.start + span[0]))
            text = hit.text[span[0] : span[1]].strip()
            if vector is None or not MIN_CHARS <= len(text) <= MAX_CHARS or text[-1] in ":?":
                continue
            picks.append(Pick(hit, (span[0], span[1]), 0.0))
            rows.append(vector)
    if len(picks) > MAX_SENTENCES:
        keep = np.linspace(0, len(picks) - 1, MAX_SENTENCES).astype(int)
        picks, rows = [picks[i] for i in keep], [rows[i] for i in keep]
    matrix = np.vstack(rows) if rows else np.zeros((0, 1), dtype=np.float32)
    return picks, matrix


def lexrank(similarity: np.ndarray, damping: float = DAMPING, steps: int = 50) -> np.ndarray:
    """Continuous LexRank: the stationary distribution of a walk over sentence similarities.

    ``similarity`` is n×n (cosine, negatives clipped to 0); returns n scores summing to 1."""
    n = similarity.shape[0]
    weights = np.clip(similarity, 0.0, None)
    np.fill_diagonal(weights, 0.0)
    totals = weights.sum(axis=1, keepdims=True)
    transition = np.where(totals > 0, weights / np.where(totals > 0, totals, 1.0), 1.0 / n)
    scores = np.full(n, 1.0 / n)
    for _ in range(steps):
        updated = (1 - damping) / n + damping * transition.T @ scores
        if np.abs(updated - scores).sum() < 1e-9:
            return updated
        scores = updated
    return scores


def select(picks: list[Pick], vectors: np.ndarray, scores: np.ndarray, n: int) -> list[Pick]:
    """Greedy: the most central sentence, then each next one less alike those picked and from
    a section not yet used; returned in document order."""
    if not picks:
        return []
    span = float(scores.max() - scores.min()) or 1.0
    central = (scores - scores.min()) / span
    central -= LEANING * np.array([bool(_LEANS.match(p.text)) for p in picks])
    chosen: list[int] = []
    sections: set[str] = set()
    while len(chosen) < min(n, len(picks)):
        value = central.copy()
        if chosen:
            value -= REDUNDANCY * (vectors @ vectors[chosen].T).max(axis=1)
        value -= SECTION_REUSE * np.array([p.hit.section in sections for p in picks])
        value[chosen] = -np.inf
        best = int(np.argmax(value))
        chosen.append(best)
        sections.add(picks[best].hit.section)
    ordered = sorted(chosen, key=lambda i: picks[i].position)
    return [Pick(picks[i].hit, picks[i].span, float(scores[i])) for i in ordered]


class Summaries:
    """Central sentences per document version, computed once and kept (bounded)."""

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, str, str, int], list[Pick]] = OrderedDict()
        self._lock = threading.Lock()

    def central(self, kb: KnowledgeBase, record: DocumentRecord, n: int = 0) -> list[Pick]:
        """The ``n`` most central sentences of a document (``n=0``: ``summary_length``)."""
        key = (kb.store.location, record.source, record.content_hash, n)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        picks, vectors = _sentences(kb, record)
        scores = lexrank(vectors @ vectors.T) if len(picks) else np.zeros(0)
        chosen = select(picks, vectors, scores, n or summary_length(len(picks)))
        with self._lock:
            self._cache[key] = chosen
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return chosen


SUMMARIES = Summaries()
