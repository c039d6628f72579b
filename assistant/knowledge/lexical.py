"""A BM25 index over the visible chunks, persisted beside the store and rebuilt on change.

Chroma's own sparse index is not available locally, so the lexical side lives here; in server
mode every process rebuilds it from the shared server's collection.
"""

import contextlib
import json
import math
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import StoreUnavailableError
from assistant.text import CJK

_TOKEN = re.compile(rf"\d+(?:\.\d+)?|[{CJK}]+|[^\W\d_{CJK}]+")
_CJK_RUN = re.compile(f"[{CJK}]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def split_terms(text: str) -> list[str]:
    """Words and whole numbers ("2,500" -> "2500", "42.8" stays one term); a run of CJK
    characters (written without spaces) gives its characters and their bigrams:
    "婚假为" -> "婚", "假", "为", "婚假", "假为"."""
    lowered = _THOUSANDS.sub("", text.lower())
    tokens = _TOKEN.findall(lowered)
    if not _CJK_RUN.search(lowered):
        return tokens  # one scan of the text, not one match per word (re-ranking, ingest)
    terms: list[str] = []
    for token in tokens:
        if _CJK_RUN.match(token):
            terms += list(token) + [token[i : i + 2] for i in range(len(token) - 1)]
        else:
            terms.append(token)
    return terms


def stemmer() -> Any:
    """A new English Snowball stemmer, as BM25 indexes with (a stemmer is not shared between
    threads: each tokenizer and each caller keeps its own)."""
    import Stemmer

    return Stemmer.Stemmer("english")


@cache
def english_stopwords() -> frozenset[str]:
    """The English stopwords BM25 leaves out (bm25s's list)."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


class LexicalIndex:
    """BM25 over chunk ids; ``search`` returns (chunk id, score) pairs."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.fingerprint = ""
        self._ids: list[str] = []
        self._sources: list[str] = []
        self._model: Any = None
        self._tokenizer: Any = None
        self._terms: dict[int, str] = {}  # token id -> stemmed term, for queries
        self._lock = threading.Lock()

    def _new_tokenizer(self) -> Any:
        from bm25s.tokenization import Tokenizer

        return Tokenizer(lower=True, splitter=split_terms, stopwords="english", stemmer=stemmer())

    def build(self, fingerprint: str, rows: Iterable[tuple[str, str, str]]) -> None:
        """Index (chunk id, source, text) rows, persist the index under ``directory``, then
        serve it (an index that cannot be saved is not served either)."""
        import bm25s

        ids, sources, texts = [], [], []
        for chunk_id, source, text in rows:
            ids.append(chunk_id)
            sources.append(source)
            texts.append(text)
        tokenizer = self._new_tokenizer()
        model = None
        if texts:
            tokens = tokenizer.tokenize(texts, show_progress=False, return_as="tuple")
            model = bm25s.BM25()
            model.index(tokens, show_progress=False)
        meta = {"fingerprint": fingerprint, "ids": ids, "sources": sources}
        try:
            self._save(model, tokenizer, meta)
        except OSError as exc:
            raise StoreUnavailableError(
                f"Cannot write the lexical index to {self.directory} ({exc.strerror or exc}). "
                "Check ASSISTANT_DATA_DIR is writable."
            ) from None
        with self._lock:
            self._ids, self._sources, self._model, self._tokenizer = ids, sources, model, tokenizer
            self._terms = _terms(tokenizer)
            self.fingerprint = fingerprint

    def _save(self, model: Any, tokenizer: Any, meta: dict[str, Any]) -> None:
        # Private names for the new and the replaced index, so that two processes saving at
        # once never remove each other's files.
        parent = self.directory.parent
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{self.directory.name}.tmp-", dir=parent))
        old = tmp.with_name(tmp.name.replace(".tmp-", ".old-"))
        try:
            if model is not None:
                model.save(str(tmp / "bm25"), show_progress=False)
                tokenizer.save_vocab(str(tmp / "bm25"))
            (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            self._swap_in(tmp, old)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)

    def _swap_in(self, tmp: Path, old: Path) -> None:
        """Replace the index whole, so a reader never sees half of one."""
        with contextlib.suppress(FileNotFoundError):
            self.directory.rename(old)
        try:
            tmp.rename(self.directory)
        except OSError:
            if not self.directory.is_dir():
                raise
            # Another process swapped in its index first; ``load`` checks its fingerprint.

    def load(self) -> bool:
        """Load the persisted index; False when there is none or it cannot be read."""
        import bm25s

        try:
            meta = json.loads((self.directory / "meta.json").read_text(encoding="utf-8"))
            model, tokenizer = None, self._new_tokenizer()
            if meta["ids"]:
                model = bm25s.BM25.load(str(self.directory / "bm25"), show_progress=False)
                tokenizer.load_vocab(str(self.directory / "bm25"))
        except (OSError, ValueError, KeyError):
            return False
        with self._lock:
            self._ids, self._sources = meta["ids"], meta["sources"]
            self._model, self._tokenizer = model, tokenizer
            self._terms = _terms(tokenizer)
            self.fingerprint = meta["fingerprint"]
        return True

    def search(
        self, query: str, k: int, sources: list[str] | None = None
    ) -> list[tuple[str, float]]:
        with self._lock:
            model, tokenizer, ids, doc_sources, terms = (
                self._model,
                self._tokenizer,
                self._ids,
                self._sources,
                self._terms,
            )
        if model is None:
            return []
        token_ids = tokenizer.tokenize([query], update_vocab=False, show_progress=False)
        if not token_ids or not token_ids[0]:
            return []
        # tokenizer.decode() would rebuild this id -> term map from the whole vocabulary.
        scores = model.get_scores([terms[token] for token in token_ids[0]])
        if sources:
            allowed = set(sources)
            scores = np.where([s in allowed for s in doc_sources], scores, 0.0)
        return [(ids[i], float(scores[i])) for i in _top(scores, k) if scores[i] > 0]

    def idf(self, terms: list[str]) -> dict[str, float]:
        """Inverse document frequency of stemmed terms over the chunks (unknown terms: highest)."""
        with self._lock:
            model, tokenizer, total = self._model, self._tokenizer, len(self._ids)
        vocab = tokenizer.get_vocab_dict() if tokenizer is not None else {}
        indptr = model.scores["indptr"] if model is not None else None
        weights: dict[str, float] = {}
        for term in terms:
            token = vocab.get(term)
            frequency = 0
            if indptr is not None and token is not None and token + 1 < len(indptr):
                frequency = int(indptr[token + 1] - indptr[token])
            weights[term] = math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))
        return weights

    def knows(self, term: str) -> bool:
        """Whether a stemmed term occurs anywhere in the indexed chunks."""
        with self._lock:
            tokenizer = self._tokenizer
        return tokenizer is not None and term in tokenizer.get_vocab_dict()

    def near(self, term: str, distance: int) -> bool:
        """Whether a stemmed term, or one within ``distance`` edits of it (a typo), occurs in
        the indexed chunks."""
        if self.knows(term) or distance < 1:
            return self.knows(term)
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        with self._lock:
            vocabulary = list(self._tokenizer.get_vocab_dict()) if self._tokenizer else []
        match = process.extractOne(
            term, vocabulary, scorer=Levenshtein.distance, score_cutoff=distance
        )
        return match is not None

    def __len__(self) -> int:
        return len(self._ids)


def _terms(tokenizer: Any) -> dict[int, str]:
    return {token: term for term, token in tokenizer.get_vocab_dict().items()}


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first; a partial sort when there are many."""
    if len(scores) <= 4 * k:
        return np.argsort(-scores)[:k]
    best = np.argpartition(-scores, k)[:k]
    return best[np.argsort(-scores[best], kind="stable")]
