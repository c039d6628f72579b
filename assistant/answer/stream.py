"""One chat request, streamed: pieces of text as they arrive, bounded in time and in length,
retried only before its first piece, and cancelled when abandoned.

The request runs in a reader thread that hands chunks over a queue, so the caller gives up at
the deadline ((retries + 1) × timeout, ``CallPolicy``) even while the reader is blocked on a
server that drips or stalls. Whenever the caller stops reading (deadline, length cap, an early
exit), the reader closes the HTTP stream as soon as its current read returns; llama.cpp, vLLM
and Ollama stop generating when the connection closes, so no abandoned request keeps the server
busy. Retries (tenacity) happen before the first piece only, on a lost connection, 429 or 5xx,
and on a timeout only when the policy allows it (never against a local server, which would
still be working on the first request). Control characters (C0, C1, bidi overrides) are taken
out of every piece before anyone sees it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from queue import Empty, Queue
from typing import TYPE_CHECKING, Any

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from assistant.answer.models import CallPolicy, model_name_of, token_limit, translated_errors
from assistant.errors import ModelUnavailableError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

# OpenAI's rule of thumb is about 4 characters per English token; 6 leaves room for long words
# and figures. A server that ignores max_tokens is cut off here instead.
CHARS_PER_TOKEN = 6
MAX_BACKOFF_S = 8.0
MAX_RETRY_AFTER_S = 60.0
# Terminal escape sequences whole (CSI "ESC [ ... m", OSC "ESC ] ... BEL" such as a clipboard
# write, and their C1 forms), then any control character left.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x9d\x98\x9e\x9f])[^\x07\x1b\x9c]*"
    r"(?:\x07|\x1b\\|\x9c)?|\x1b[@-Z\\-_]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_END = object()


def clean(text: str) -> str:
    """Model text without terminal escape sequences, C0/C1 control characters (tab and newline
    stay) or bidi overrides."""
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def _retry_after(exc: BaseException) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return min(float(headers[name]) * scale, MAX_RETRY_AFTER_S)
        except (KeyError, TypeError, ValueError):
            continue
    return None


def _backoff(state: RetryCallState) -> float:
    """The server's Retry-After when it gives one, else 0.5 s doubling up to 8 s."""
    exc = state.outcome.exception() if state.outcome else None
    after = _retry_after(exc) if exc else None
    return after if after is not None else min(0.5 * 2 ** (state.attempt_number - 1), MAX_BACKOFF_S)


class ModelCall:
    """Iterate to stream the reply; afterwards ``text`` is all of it (cleaned) and ``cut_off``
    says whether it hit ``max_tokens``. Raises ``ModelUnavailableError`` (or a subclass) when
    the model fails in any way, ``ConfigurationError`` for a rejected key or unknown model."""

    def __init__(
        self, model: BaseChatModel, messages: list[BaseMessage], policy: CallPolicy,
        max_tokens: int,
    ) -> None:
        self.model = model
        self.messages = messages
        self.policy = policy
        self.max_tokens = max_tokens
        self.max_chars = max_tokens * CHARS_PER_TOKEN
        self.text = ""
        self.cut_off = False
        self._started = False
        self._limit = f"the request timed out: no complete reply within {policy.deadline_s:g} s"

    def read(self) -> str:
        """The whole reply."""
        for _ in self:
            pass
        return self.text

    def __iter__(self) -> Iterator[str]:
        out: Queue[Any] = Queue()
        stop = threading.Event()
        reader = threading.Thread(target=self._read, args=(out, stop), daemon=True)
        deadline = time.monotonic() + self.policy.deadline_s
        if self.policy.until is not None and self.policy.until < deadline:
            deadline = self.policy.until
            self._limit = (
                "this question's time for the model ran out (ASSISTANT_LLM_QUESTION_TIMEOUT)"
            )
        reader.start()
        try:
            with translated_errors(model_name_of(self.model), reading=True):
                while not self.cut_off:
                    item = self._next(out, deadline)
                    if item is _END:
                        return
                    if piece := self._take(item):
                        yield piece
        finally:
            stop.set()

    def _next(self, out: Queue[Any], deadline: float) -> Any:
        try:
            item = out.get(timeout=max(deadline - time.monotonic(), 0.0))
        except Empty:
            raise ModelUnavailableError(self._limit) from None
        if isinstance(item, BaseException):
            raise item
        return item

    def _take(self, chunk: Any) -> str:
        metadata = getattr(chunk, "response_metadata", None) or {}
        if metadata.get("finish_reason") == "length":
            self.cut_off = True
        piece = clean(chunk.text)
        room = self.max_chars - len(self.text)
        if len(piece) >= room:
            piece, self.cut_off = piece[: max(room, 0)], True
        self.text += piece
        return piece

    def _read(self, out: Queue[Any], stop: threading.Event) -> None:
        """The reader thread: the request with its retries, each chunk onto ``out``."""

        def pause(seconds: float) -> None:
            stop.wait(seconds)  # a caller who gave up ends the wait

        retrying = Retrying(
            stop=stop_after_attempt(self.policy.retries + 1),
            wait=_backoff,
            retry=retry_if_exception(self._retryable),
            sleep=pause,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self._stream_once(out, stop)
        except BaseException as exc:
            out.put(exc)
        else:
            out.put(_END)

    def _stream_once(self, out: Queue[Any], stop: threading.Event) -> None:
        if stop.is_set():
            return
        chunks = self.model.stream(self.messages, **token_limit(self.model, self.max_tokens))
        try:
            for chunk in chunks:
                self._started = True
                out.put(chunk)
                if stop.is_set():
                    return
        except ValueError as exc:
            # A plain ValueError is LangChain's "no generation chunks" (parse errors are its
            # subclasses, JSONDecodeError and ValidationError): the stream closed empty.
            if type(exc) is ValueError and not self._started:
                self._why_empty()
            raise
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # closes the HTTP response: the server stops generating

    def _why_empty(self) -> None:
        """A stream that ended before any chunk: llama-cpp-python's server answers 200 and closes
        the stream when the prompt is longer than its context. Asked without streaming (one
        token), a server says why, and that error is raised. The broken stream may leave a
        pooled connection that fails once, so a lost connection is tried twice."""
        import openai

        for attempt in range(2):
            try:
                self.model.invoke(self.messages, **token_limit(self.model, 1))
                break
            except openai.APIConnectionError:
                if attempt:
                    raise
        raise ModelUnavailableError("the server ended its reply before any text")

    def _retryable(self, exc: BaseException) -> bool:
        """Worth another request: nothing has been read yet, and the failure is a lost
        connection, 429 or 5xx, or a timeout when the policy retries those."""
        import openai

        if self._started:
            return False
        if isinstance(exc, openai.APITimeoutError) or "Timeout" in type(exc).__name__:
            return self.policy.retry_timeouts
        if isinstance(exc, openai.APIConnectionError):
            return True
        return isinstance(exc, openai.APIStatusError) and (
            exc.status_code == 429 or exc.status_code >= 500
        )
