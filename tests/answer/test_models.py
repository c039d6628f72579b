"""Building the OpenAI clients from the settings, embeddings from an OpenAI-compatible server,
and the translation of the client's errors into messages a user can act on."""

import subprocess
import sys

import httpx2
import openai
import pytest
from pydantic import SecretStr

from assistant.answer.models import (
    DEFAULT_CHAT_MODEL,
    LOCAL_SERVER_KEY,
    build_chat_model,
    build_openai_embeddings,
    call_policy,
    is_local_server,
    model_name_of,
    token_limit,
    translated_errors,
)
from assistant.config import Settings
from assistant.errors import ConfigurationError, ModelRequestError, ModelUnavailableError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.search.retrieve import search
from tests.fakes import FakeOpenAIServer

REQUEST = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


def status(code: int) -> httpx2.Response:
    return httpx2.Response(code, request=REQUEST)


def test_the_chat_model_takes_every_knob_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    monkeypatch.setenv("ASSISTANT_CHAT_MODEL", "gpt-test")
    monkeypatch.setenv("ASSISTANT_TEMPERATURE", "0.3")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "7.5")
    monkeypatch.setenv("ASSISTANT_LLM_MAX_RETRIES", "4")
    settings = Settings()
    model = build_chat_model(settings)
    assert settings.llm_enabled() and model_name_of(model) == "gpt-test"
    assert (model.temperature, model.request_timeout) == (0.3, 7.5)
    assert model.root_client.api_key == "sk-from-the-environment"
    assert model.openai_api_base is None
    assert "sk-from-the-environment" not in repr(model)
    # Chat requests are retried by the answer step's own calls, under one deadline.
    assert model.max_retries == model.root_client.max_retries == 0
    policy = call_policy(settings)
    assert (policy.timeout_s, policy.retries, policy.retry_timeouts) == (7.5, 4, True)
    assert policy.deadline_s == 37.5
    assert token_limit(model, 240) == {"max_tokens": 240}


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8080/v1", True),
        ("http://localhost:11434/v1", True),
        ("http://[::1]:8000/v1", True),
        ("http://192.168.1.20:8000/v1", True),
        ("http://10.0.0.5/v1", True),
        ("http://gpu-box.local:8000/v1", True),
        ("https://api.openai.com/v1", False),
        ("https://8.8.8.8/v1", False),
        (None, False),
    ],
)
def test_a_server_on_this_machine_or_network_is_local(url: str | None, local: bool) -> None:
    assert is_local_server(url) is local
    policy = call_policy(Settings(openai_base_url=url))
    assert policy.retry_timeouts is not local


def test_another_server_is_sent_max_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """llama-cpp-python's server ignores max_completion_tokens, which ChatOpenAI sends."""
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    assert token_limit(build_chat_model(Settings()), 99) == {"extra_body": {"max_tokens": 99}}


def test_a_local_server_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    model = build_chat_model(Settings())
    assert model.openai_api_base == "http://localhost:11434/v1"
    assert model.root_client.api_key == LOCAL_SERVER_KEY
    assert model_name_of(model) == DEFAULT_CHAT_MODEL


def test_a_model_name_without_a_key_or_server_names_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSISTANT_CHAT_MODEL", "gpt-test")
    monkeypatch.setenv("OPENAI_API_KEY", "  ")
    with pytest.raises(ConfigurationError, match=r"OPENAI_API_KEY.*OPENAI_BASE_URL"):
        build_chat_model(Settings())


def test_offline_settings_leave_generation_off() -> None:
    assert not Settings().llm_enabled()


def test_the_offline_path_does_not_import_the_openai_client() -> None:
    """`assistant ask` without a model must not pay for langchain_openai or openai."""
    probe = (
        "import sys, assistant.interfaces.cli, assistant.answer.core, assistant.answer.models\n"
        "print(sorted(m for m in ('langchain_openai', 'openai') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_openai_embeddings_ingest_and_search_through_a_server(
    settings: Settings, server: FakeOpenAIServer
) -> None:
    remote = settings.model_copy(
        update={"embedding_model": "openai:fake-embed", "openai_base_url": server.url}
    )
    kb = KnowledgeBase(remote)
    assert kb.embedding_model == "openai:fake-embed"
    report = sync(kb)
    assert report.documents == 1 and report.chunks_embedded > 0
    hits = search(kb, "share of GDP digital economy 2023", 3).hits
    assert any("42.8 percent" in hit.text for hit in hits)
    assert server.requests and all(isinstance(r["input"], list) for r in server.requests)
    assert {r["model"] for r in server.requests} == {"fake-embed"}
    assert all(isinstance(text, str) for r in server.requests for text in r["input"])


def test_an_embedding_model_needs_a_name(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="ASSISTANT_EMBEDDING_MODEL"):
        build_openai_embeddings(settings.model_copy(update={"embedding_model": "openai: "}))


def test_an_unreachable_embedding_server_is_reported(
    settings: Settings, server: FakeOpenAIServer
) -> None:
    url = server.url
    server.__exit__(None, None, None)  # nothing listens on the port any more
    remote = settings.model_copy(update={
        "embedding_model": "openai:fake-embed", "openai_base_url": url,
        "openai_api_key": SecretStr("sk-x"), "llm_max_retries": 0,
    })
    with pytest.raises(ModelUnavailableError, match="could not be reached"):
        build_openai_embeddings(remote).embed_query("hello")


@pytest.mark.parametrize(
    ("error", "kind", "says"),
    [
        (openai.AuthenticationError("bad key sk-abc", response=status(401), body=None),
         ConfigurationError, "OPENAI_API_KEY"),
        (openai.NotFoundError("no model", response=status(404), body=None),
         ConfigurationError, "ASSISTANT_CHAT_MODEL"),
        (openai.RateLimitError("slow down", response=status(429), body=None),
         ModelUnavailableError, "429"),
        (openai.APITimeoutError(request=REQUEST), ModelUnavailableError, "timed out"),
        (httpx2.ReadTimeout("read"), ModelUnavailableError, "timed out"),
        (openai.APIConnectionError(request=REQUEST), ModelUnavailableError, "reached"),
    ],
)
def test_client_errors_become_messages_a_user_can_act_on(
    error: Exception, kind: type[Exception], says: str
) -> None:
    with pytest.raises(kind, match=says) as raised, translated_errors("gpt-test"):
        raise error
    assert "sk-abc" not in str(raised.value)


def test_other_errors_pass_through_unchanged() -> None:
    with pytest.raises(KeyError), translated_errors("gpt-test"):
        raise KeyError("a bug, not the model")


def test_any_error_while_reading_a_reply_is_the_model_failing() -> None:
    with pytest.raises(ModelUnavailableError, match=r"could not be read \(TypeError\)"), (
        translated_errors("gpt-test", reading=True)
    ):
        raise TypeError("'int' object is not subscriptable")


def _bad_request(code: int, message: str, kind: str | None) -> openai.APIStatusError:
    body = {"message": message, "type": "invalid_request_error", "code": kind}
    error = openai.BadRequestError if code == 400 else openai.UnprocessableEntityError
    return error(f"Error code: {code}", response=status(code), body=body)


def test_a_request_longer_than_the_context_says_so() -> None:
    error = _bad_request(
        400, "This model's maximum context length is 2048 tokens.", "context_length_exceeded"
    )
    context = pytest.raises(ModelRequestError, match="longer than the model's context window")
    with context as got, translated_errors("smollm2"):
        raise error
    assert "ASSISTANT_TOP_K" in str(got.value) and "could not be reached" not in str(got.value)


def test_another_refused_request_names_its_status_and_reason() -> None:
    refused = pytest.raises(ModelRequestError, match=r"refused the request \(422: temperature")
    with refused, translated_errors("smollm2"):
        raise _bad_request(422, "temperature must be at most 2", None)
