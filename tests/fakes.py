"""Honest stand-ins for what cannot run here, and a fast embedding for unit tests."""

import hashlib
import re
from collections.abc import Callable
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import Field


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


class FakeSlackWebAPI:
    """Slack's Web API on 127.0.0.1: keeps each channel's messages, records every call, and can
    answer a method with HTTP 429 (Retry-After) or an API error, as Slack does."""

    BOT_USER_ID = "UBOT"
    BOT_ID = "BBOT"
    TEAM_ID = "T0001"

    def __init__(self, token: str) -> None:
        import threading
        from decimal import Decimal
        from http.server import ThreadingHTTPServer

        self.token = token
        self.calls: list[dict[str, Any]] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self._rate_limited: set[str] = set()
        self._errors: dict[str, str] = {}
        self._clock = Decimal("1700000000.000100")
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _slack_handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/api/"

    def __enter__(self) -> "FakeSlackWebAPI":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def rate_limit_next(self, method: str) -> None:
        """The next call of ``method`` gets 429 with ``Retry-After: 0``."""
        self._rate_limited.add(method)

    def fail(self, method: str, error: str) -> None:
        """Every call of ``method`` answers ``{"ok": false, "error": error}``."""
        self._errors[method] = error

    def add_message(
        self, channel: str, user: str, text: str, thread_ts: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """A message as Slack stores it, with a timestamp later than every earlier one."""
        with self._changed:
            self._clock += 1
            message: dict[str, Any] = {
                "type": "message", "ts": str(self._clock), "user": user, "text": text
            }
            message.update(extra)
            if thread_ts:
                message["thread_ts"] = thread_ts
            self.messages.setdefault(channel, []).append(message)
            return message

    def calls_to(self, method: str, status: int = 200) -> list[dict[str, Any]]:
        return [c["params"] for c in self.calls if c["method"] == method and c["status"] == status]

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        return [
            m for m in self.messages.get(channel, []) if m["ts"] == ts or m.get("thread_ts") == ts
        ]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 60) -> None:
        """Block until ``condition()`` holds; a safety net against hanging, not a timing check."""
        with self._changed:
            if not self._changed.wait_for(condition, timeout):
                raise AssertionError(f"Slack never saw what the test waited for: {self.calls}")

    def handle(self, method: str, params: dict[str, Any], token: str) -> tuple[int, dict[str, Any]]:
        with self._changed:
            status, body = self._respond(method, params, token)
            self.calls.append({"method": method, "params": params, "status": status})
            self._changed.notify_all()
            return status, body

    def _respond(
        self, method: str, params: dict[str, Any], token: str
    ) -> tuple[int, dict[str, Any]]:
        if method in self._rate_limited:
            self._rate_limited.discard(method)
            return 429, {"ok": False, "error": "ratelimited"}
        if token != self.token:
            return 200, {"ok": False, "error": "invalid_auth"}
        if method in self._errors:
            return 200, {"ok": False, "error": self._errors[method]}
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        return 200, answer(params) if answer else {"ok": False, "error": "unknown_method"}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True, "url": "https://fake.example/", "team": "Fake", "user": "assistant",
            "team_id": self.TEAM_ID, "user_id": self.BOT_USER_ID, "bot_id": self.BOT_ID,
        }

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {k: params[k] for k in ("blocks", "thread_ts") if k in params}
        self._clock += 1
        message: dict[str, Any] = {
            "type": "message", "ts": str(self._clock), "user": self.BOT_USER_ID,
            "bot_id": self.BOT_ID, "text": params.get("text", ""), **fields,
        }
        self.messages.setdefault(params["channel"], []).append(message)
        return {"ok": True, "channel": params["channel"], "ts": message["ts"], "message": message}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        for message in self.messages.get(params["channel"], []):
            if message["ts"] == params["ts"] and message.get("bot_id") == self.BOT_ID:
                message.update(text=params.get("text", ""), blocks=params.get("blocks", []))
                return {"ok": True, "channel": params["channel"], "ts": params["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        self._clock += 1
        return {"ok": True, "message_ts": str(self._clock)}

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        thread = self.thread(params["channel"], params["ts"])
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": thread, "has_more": False,
                "response_metadata": {"next_cursor": ""}}


def _slack_handler(api: FakeSlackWebAPI) -> type:
    import json
    from http.server import BaseHTTPRequestHandler
    from urllib.parse import parse_qsl, urlsplit

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            params: dict[str, Any] = dict(parse_qsl(url.query))
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if "json" in (self.headers.get("Content-Type") or ""):
                params.update(json.loads(raw or "{}"))
            else:
                params.update(parse_qsl(raw))
            if isinstance(params.get("blocks"), str):
                params["blocks"] = json.loads(params["blocks"])
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            status, body = api.handle(url.path.rsplit("/", 1)[-1], params, token)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            if status == 429:
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads ``api.calls`` instead."""

    return Handler


class Stall:
    """A scripted reply that answers only after ``seconds``: longer than a client's timeout."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Malformed:
    """A scripted reply of HTTP 200 whose body is ``body`` verbatim: not what the protocol says."""

    def __init__(self, body: str, content_type: str = "application/json") -> None:
        self.body = body.encode()
        self.content_type = content_type


class Drip:
    """A streamed reply that sends ``word`` every ``interval`` seconds, ``count`` times (for ever
    when ``None``); the server sets ``hung_up`` when the client closes the stream."""

    def __init__(self, word: str = "more ", interval: float = 1.0, count: int | None = None):
        self.word = word
        self.interval = interval
        self.count = count


OpenAIReply = str | int | Stall | Malformed | Drip


class FakeOpenAIServer:
    """An OpenAI-compatible server on 127.0.0.1: chat completions (JSON, or SSE when the request
    streams) and embeddings. Each chat request takes the next scripted reply: a text, an HTTP
    status to fail with (``Retry-After-Ms: 10``, so the client's retries stay quick), a
    ``Stall`` or a ``Malformed`` body; ``otherwise`` answers when the script is used up.
    Records every request."""

    def __init__(self, *script: OpenAIReply, otherwise: OpenAIReply = 500) -> None:
        import threading
        from http.server import ThreadingHTTPServer

        self.script = list(script)
        self.otherwise = otherwise
        self.requests: list[dict[str, Any]] = []
        self.keys: list[str] = []
        self.stopping = threading.Event()
        self.hung_up = threading.Event()
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

    def record(self, body: dict[str, Any], key: str) -> None:
        with self._lock:
            self.requests.append(body)
            self.keys.append(key)

    def next_reply(self) -> OpenAIReply:
        with self._lock:
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
            server.record(body, (self.headers.get("Authorization") or "").removeprefix("Bearer "))
            if self.path.endswith("/embeddings"):
                inputs = [body["input"]] if isinstance(body["input"], str) else body["input"]
                data = embedding_data(inputs, body.get("encoding_format"))
                self._json(200, {"object": "list", "data": data, "model": body["model"],
                                 "usage": {"prompt_tokens": 1, "total_tokens": 1}})
                return
            reply = server.next_reply()
            if isinstance(reply, Stall):
                if server.stopping.wait(reply.seconds):
                    return
                reply = "Too late."
            if isinstance(reply, Drip):
                self._drip(body["model"], reply)
            elif isinstance(reply, Malformed):
                self._raw(reply)
            elif isinstance(reply, int):
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

        def _raw(self, reply: Malformed) -> None:
            self.send_response(200)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self._write(reply.body)

        def _events(self, chunks: list[dict[str, Any]]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for chunk in chunks:
                self._write(f"data: {json.dumps(chunk)}\n\n".encode())
            self._write(b"data: [DONE]\n\n")

        def _drip(self, model: str, reply: Drip) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            [chunk, _] = completion_chunks(model, reply.word)
            sent = 0
            while reply.count is None or sent < reply.count:
                try:
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    server.hung_up.set()
                    return
                sent += 1
                if server.stopping.wait(reply.interval):
                    return
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


class ToolCallingFakeChatModel(GenericFakeChatModel):
    """LangChain's ``GenericFakeChatModel`` that takes tools as a tool-calling model does
    (langchain_core ships no fake with ``bind_tools``). ``bind_tools`` records each tool's
    schema in OpenAI's format; the scripted replies are ``AIMessage``s that may carry
    ``tool_calls``, and a call to a tool that was not bound fails as a real API would.
    ``received`` keeps the messages of every call."""

    bound_tools: list[dict[str, Any]] = Field(default_factory=list)
    received: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        from langchain_core.utils.function_calling import convert_to_openai_tool

        self.bound_tools = [convert_to_openai_tool(tool) for tool in tools]
        return self.bind(tools=self.bound_tools, **kwargs)

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: Any = None, **kwargs: Any,
    ) -> ChatResult:
        self.received.append(list(messages))
        result = super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
        offered = {tool["function"]["name"] for tool in kwargs.get("tools", [])}
        for call in getattr(result.generations[0].message, "tool_calls", []):
            if call["name"] not in offered:
                raise ValueError(f"the model called {call['name']!r}, not among {offered}")
        return result
