"""Honest stand-ins for what cannot run here, and a fast embedding for unit tests."""

import hashlib
import re

import numpy as np
from langchain_core.embeddings import Embeddings


class KeywordHashEmbeddings(Embeddings):
    """Each word hashes to a dimension, so texts sharing words are real nearest neighbours."""

    model_id = "keyword-hash-64"

    def __init__(self, dimensions: int = 64) -> None:
        self.dimensions = dimensions

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimensions, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.md5(word.encode()).digest()
            vector[digest[0] % self.dimensions] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector + 1.0 / np.sqrt(self.dimensions)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t).tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text).tolist()
