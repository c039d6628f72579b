"""Honest stand-ins for what cannot run here, and a fast embedding for unit tests."""

import hashlib
import re
from typing import Any

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


class Stall:
    """A scripted reply that answers only after ``seconds``: longer than a client's timeout."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


OpenAIReply = str | int | Stall


class FakeOpenAIServer:
    """An OpenAI-compatible server on 127.0.0.1: chat completions (JSON, or SSE when the request
    streams) and embeddings. Each chat request takes the next scripted reply: a text, an HTTP
    status to fail with (``Retry-After-Ms: 10``, so the client's retries stay quick), or a
    ``Stall``; ``otherwise`` answers when the script is used up. Records every request."""

    def __init__(self, *script: OpenAIReply, otherwise: OpenAIReply = 500) -> None:
        import threading
        from http.server import ThreadingHTTPServer

        self.script = list(script)
        self.otherwise = otherwise
        self.requests: list[dict[str, Any]] = []
        self.keys: list[str] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _openai_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if "messages" in r]

    def __enter__(self) -> "FakeOpenAIServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def next_reply(self, body: dict[str, Any], key: str) -> OpenAIReply:
        with self._lock:
            self.requests.append(body)
            self.keys.append(key)
            return self.script.pop(0) if self.script else self.otherwise


def completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 1700000000, "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def completion_chunks(model: str, text: str) -> list[dict[str, Any]]:
    """The reply as streamed chunks of a word or so each, then the closing chunk."""
    pieces = re.findall(r"\S*\s*", text)[:-1] or [""]
    deltas = [{"role": "assistant", "content": p} for p in pieces]
    chunks = [
        {"index": 0, "delta": delta, "finish_reason": None} for delta in deltas
    ] + [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    return [
        {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1700000000,
         "model": model, "choices": [choice]}
        for choice in chunks
    ]


def embedding_data(inputs: list[str], encoding: str | None) -> list[dict[str, Any]]:
    import base64

    vectors = np.asarray(KeywordHashEmbeddings().embed_documents(inputs), dtype=np.float32)
    return [
        {
            "object": "embedding", "index": i,
            "embedding": (
                base64.b64encode(v.tobytes()).decode() if encoding == "base64" else v.tolist()
            ),
        }
        for i, v in enumerate(vectors)
    ]


def _openai_handler(server: FakeOpenAIServer) -> type:
    import json
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            key = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            if self.path.endswith("/embeddings"):
                inputs = [body["input"]] if isinstance(body["input"], str) else body["input"]
                data = embedding_data(inputs, body.get("encoding_format"))
                self._json(200, {"object": "list", "data": data, "model": body["model"],
                                 "usage": {"prompt_tokens": 1, "total_tokens": 1}})
                return
            reply = server.next_reply(body, key)
            if isinstance(reply, Stall):
                if server.stopping.wait(reply.seconds):
                    return
                reply = "Too late."
            if isinstance(reply, int):
                error = {"message": f"scripted {reply}", "type": "server_error", "code": None}
                self._json(reply, {"error": error}, {"Retry-After-Ms": "10"})
            elif body.get("stream"):
                self._events(completion_chunks(body["model"], reply))
            else:
                self._json(200, completion(body["model"], reply))

        def _json(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self._write(data)

        def _events(self, chunks: list[dict[str, Any]]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for chunk in chunks:
                self._write(f"data: {json.dumps(chunk)}\n\n".encode())
            self._write(b"data: [DONE]\n\n")

        def _write(self, data: bytes) -> None:
            try:
                self.wfile.write(data)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first (a timeout test); nothing is left to say

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``server.requests`` instead."""

    return Handler
