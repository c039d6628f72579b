"""The only module that builds OpenAI clients: the chat model and OpenAI-compatible embeddings.

``langchain_openai`` and ``openai`` are imported inside the functions that need them, so the
offline mode never pays for them. Embedding requests are retried by the openai client itself;
chat requests are streamed and retried by ``assistant.answer.stream`` under one deadline, by the
``CallPolicy`` made here (no retry of a timeout against a server on this machine or network,
which would still be working on the abandoned request).
"""

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from langchain_core.embeddings import Embeddings
from pydantic import SecretStr

from assistant.errors import (
    AssistantError,
    ConfigurationError,
    ModelRequestError,
    ModelUnavailableError,
)

if TYPE_CHECKING:
    from langchain_openai import ChatOpenAI

    from assistant.config import Settings

DEFAULT_CHAT_MODEL = "gpt-4o-mini"
# Local servers (Ollama, vLLM, llama.cpp) ignore the key, but the openai client requires one.
LOCAL_SERVER_KEY = "not-needed"
_TRANSPORT_MODULES = ("httpx", "httpx2", "httpcore")


@dataclass(frozen=True)
class CallPolicy:
    """How long one chat request may take and what is retried.

    ``deadline_s`` bounds the whole request, retries and streaming included:
    (retries + 1) × timeout. ``until`` (``time.monotonic()`` seconds) is when the question's
    time for the model runs out, whatever is left of a request's own deadline.
    """

    timeout_s: float = 30.0
    retries: int = 2
    retry_timeouts: bool = True
    until: float | None = None

    @property
    def deadline_s(self) -> float:
        return (self.retries + 1) * self.timeout_s


def is_local_server(base_url: str | None) -> bool:
    """A server on this machine or a private network (loopback, 10/8, 192.168/16, ...)."""
    host = urlsplit(base_url or "").hostname or ""
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def call_policy(settings: "Settings", started: float | None = None) -> CallPolicy:
    """The policy of a question's model requests; ``started`` (``time.monotonic()``) starts the
    question's clock (``ASSISTANT_LLM_QUESTION_TIMEOUT``)."""
    return CallPolicy(
        timeout_s=settings.llm_timeout,
        retries=settings.llm_max_retries,
        retry_timeouts=not is_local_server(settings.openai_base_url),
        until=None if started is None else started + settings.llm_question_timeout,
    )


def token_limit(model: Any, max_tokens: int) -> dict[str, Any]:
    """Request arguments that cap a reply at ``max_tokens``. ChatOpenAI sends
    ``max_completion_tokens``, which OpenAI reads but some compatible servers ignore
    (llama-cpp-python's reads only ``max_tokens``); another server is sent ``max_tokens``."""
    if getattr(model, "openai_api_base", None):
        return {"extra_body": {"max_tokens": max_tokens}}
    return {"max_tokens": max_tokens}


def chat_model_name(settings: "Settings") -> str:
    return settings.chat_model or DEFAULT_CHAT_MODEL


def model_name_of(model: Any) -> str:
    """The name a chat model reports, for ``Answer.mode``; fakes fall back to their class name."""
    for attribute in ("model_name", "model"):
        name = getattr(model, attribute, None)
        if isinstance(name, str) and name:
            return name
    return type(model).__name__


def _api_key(settings: "Settings") -> SecretStr:
    if settings.openai_api_key and settings.openai_api_key.get_secret_value().strip():
        return settings.openai_api_key
    if settings.openai_base_url:
        return SecretStr(LOCAL_SERVER_KEY)
    raise ConfigurationError(
        "A chat model is configured but OPENAI_API_KEY is not set. Set OPENAI_API_KEY for "
        "OpenAI, or OPENAI_BASE_URL for a local OpenAI-compatible server (Ollama, vLLM, "
        "llama.cpp); unset ASSISTANT_CHAT_MODEL for offline extractive answers."
    )


def build_chat_model(settings: "Settings") -> "ChatOpenAI":
    """``ChatOpenAI`` for OpenAI or any OpenAI-compatible server named by OPENAI_BASE_URL."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=chat_model_name(settings),
        api_key=_api_key(settings),
        base_url=settings.openai_base_url,
        temperature=settings.temperature,
        timeout=settings.llm_timeout,
        max_retries=0,  # assistant.answer.stream retries, within the call's deadline
    )


class OpenAICompatibleEmbeddings(Embeddings):
    """``OpenAIEmbeddings`` with the identity the store records (``openai:<model>``)."""

    def __init__(self, client: Embeddings, model: str) -> None:
        self.client = client
        self.model_id = f"openai:{model}"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with translated_errors(self.model_id):
            return self.client.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        with translated_errors(self.model_id):
            return self.client.embed_query(text)


def build_openai_embeddings(settings: "Settings") -> OpenAICompatibleEmbeddings:
    """Embeddings from ``ASSISTANT_EMBEDDING_MODEL=openai:<model>``."""
    from langchain_openai import OpenAIEmbeddings

    model = settings.embedding_model.removeprefix("openai:").strip()
    if not model:
        raise ConfigurationError(
            "ASSISTANT_EMBEDDING_MODEL is 'openai:' without a model name; use e.g. "
            "openai:text-embedding-3-small, or 'local' for the bundled model."
        )
    client = OpenAIEmbeddings(
        model=model,
        openai_api_key=_api_key(settings),
        openai_api_base=settings.openai_base_url,
        request_timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        chunk_size=settings.embed_batch_size,
        # Token-length checks need tiktoken files, which are downloaded at run time; chunks are
        # far below any embedding model's context, so plain text is sent.
        check_embedding_ctx_length=False,
    )
    return OpenAICompatibleEmbeddings(client, model)


@contextmanager
def translated_errors(model: str, reading: bool = False) -> Iterator[None]:
    """Turn the openai client's errors into errors a user can act on. ``reading``: anything else
    that goes wrong while a reply is read (a malformed chunk LangChain trips over) is the model
    failing too, not a crash."""
    try:
        yield
    except AssistantError:
        raise
    except Exception as exc:
        error = _translate(exc, model)
        if error is None and reading:
            error = ModelUnavailableError(f"its reply could not be read ({type(exc).__name__})")
        if error is None:
            raise
        # The original may quote the key or the request; the translated message says enough.
        raise error from None


def _translate(exc: Exception, model: str) -> AssistantError | None:
    if type(exc).__module__.split(".")[0] in _TRANSPORT_MODULES:
        # A stream cut mid-way surfaces as the HTTP library's own error, not the client's.
        reason = "the request timed out" if "Timeout" in type(exc).__name__ else type(exc).__name__
        return ModelUnavailableError(reason)
    import openai

    if isinstance(exc, ValueError):
        # A reply that is not what the protocol says: a body that is not JSON, no choices, a
        # chunk LangChain cannot parse (JSONDecodeError and ValidationError are ValueErrors).
        return ModelUnavailableError(f"its reply could not be read ({type(exc).__name__})")
    if not isinstance(exc, openai.OpenAIError):
        return None
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ConfigurationError(
            f"The model server rejected the API key ({exc.status_code}): check OPENAI_API_KEY "
            "(and OPENAI_BASE_URL if you use another server)."
        )
    if isinstance(exc, openai.NotFoundError):
        return ConfigurationError(
            f"The model server does not know the model '{model}' (404): check "
            "ASSISTANT_CHAT_MODEL or ASSISTANT_EMBEDDING_MODEL, and OPENAI_BASE_URL."
        )
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc)
    if isinstance(exc, openai.APITimeoutError):
        return ModelUnavailableError("the request timed out")
    if isinstance(exc, openai.APIConnectionError):
        return ModelUnavailableError("the server could not be reached")
    return ModelUnavailableError(type(exc).__name__)


def _status_error(exc: Any) -> ModelUnavailableError:
    """4xx: the server refused this request (too long for its context, a parameter it rejects);
    5xx and 429: it could not serve it."""
    status = int(exc.status_code)
    if status == 429 or status >= 500:
        return ModelUnavailableError(f"the server answered {status}")
    code = str(getattr(exc, "code", "") or "")
    body = getattr(exc, "body", None)
    message = body.get("message") if isinstance(body, dict) else body
    detail = " ".join(str(message or "").split())[:200]
    if code == "context_length_exceeded" or "context" in detail.lower():
        return ModelRequestError(
            f"the question and its sources are longer than the model's context window "
            f"({status} {code or 'context length exceeded'}); lower ASSISTANT_TOP_K or use a "
            "model with a longer context"
        )
    return ModelRequestError(f"the server refused the request ({status}: {detail or code})")
