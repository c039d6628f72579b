"""One settings object. Read from the environment only when ``Settings()`` is built."""

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _base_url(value: str | None) -> str | None:
    """An http(s) URL with a host and a valid port, or a ValueError naming what is wrong (never
    the value itself: it may carry credentials)."""
    text = (value or "").strip()
    if not text:
        return None
    if any(c.isspace() or not c.isprintable() for c in text):
        raise ValueError("contains spaces or control characters")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"is not a URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with http:// or https://, e.g. http://localhost:11434/v1")
    if not parts.hostname:
        raise ValueError("has no host, e.g. http://localhost:11434/v1")
    if port == 0:
        raise ValueError("has port 0; give the server's port, 1-65535")
    return text


class Settings(BaseSettings):
    """Every knob of the assistant; environment variables use the ``ASSISTANT_`` prefix."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", extra="ignore", populate_by_name=True
    )

    knowledge_dir: Path = Field(
        Path("knowledge"),
        description="Folder of source documents, relative to the current directory unless "
        "absolute; the chat page saves uploads here and shows where it is.",
    )
    data_dir: Path = Field(
        Path(".assistant"),
        description="Where the embedded store, indexes, feedback and removed documents (trash) "
        "live.",
    )
    collection: str = Field(
        "knowledge", min_length=3, description="Chroma collection name prefix (3+ characters)."
    )
    chroma_host: str | None = Field(
        None, description="Chroma server host; when set, the server is used instead of data_dir."
    )
    chroma_port: int = Field(8000, description="Chroma server port.")
    ingest_wait_seconds: float = Field(
        300.0, ge=0,
        description="How long an ingest, upload or removal waits for another process's ingest "
        "into the same data dir to finish before giving up.",
    )
    embedding_model: str = Field(
        "local",
        description="`local` for the bundled MiniLM ONNX model (English), `multilingual` for "
        "multilingual-e5-small (offline; ~6x the CPU per passage, ~0.7 s per question), "
        "or `openai:<model>` for an OpenAI-compatible embeddings endpoint.",
    )
    onnx_model_path: Path | None = Field(
        None,
        description="Another copy of the same model.onnx (mirror, air-gapped install); "
        "its sha256 is still checked.",
    )
    embed_batch_size: int = Field(32, ge=1, le=1024, description="Texts per embedding call.")
    chunk_min_chars: int = Field(400, ge=50, description="Chunks aim to be at least this long.")
    chunk_max_chars: int = Field(900, ge=100, description="Chunks are at most this long.")
    max_file_bytes: int = Field(
        20_000_000, ge=1, description="Larger source files are skipped with a reason."
    )
    max_pdf_pages: int = Field(2000, ge=1, description="PDFs with more pages are skipped.")
    max_document_chars: int = Field(
        5_000_000, ge=1,
        description="Documents with more characters of text are skipped, counted while "
        "parsing (a small DOCX or PDF can expand into far more text than its size).",
    )
    max_document_sentences: int = Field(
        50_000, ge=1,
        description="Documents with more sentences are skipped, counted while parsing (each "
        "sentence is embedded; 50,000 take minutes on 2 cores).",
    )
    top_k: int = Field(
        2,
        ge=1,
        le=50,
        description="Chunks handed to the answer step per question, chosen by the re-ranker "
        "from the top 12 of hybrid retrieval.",
    )
    word_alignment: bool = Field(
        True,
        description="Settle the re-ranker's close calls by matching the question's words one "
        "by one against the sentences' (a model pass over up to six sentences: about 30 ms on "
        "2 cores). Off, search is faster and recall@1 lower (see the README's benchmarks).",
    )
    answer_parameters: Path | None = Field(
        None,
        description="The answer step's fitted parameters (JSON written by `python -m "
        "benchmarks.fit_answer`); default: the packaged file fitted on SQuAD 2.0 dev articles.",
    )
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are rejected.")
    max_answer_chars: int = Field(600, ge=100, description="Extractive answers stay under this.")
    chat_model: str | None = Field(
        None, description="Chat model name; setting it (or an OpenAI key or base URL) turns on "
        "generated answers."
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "ASSISTANT_OPENAI_API_KEY"),
        description="Key for OpenAI or an OpenAI-compatible server (OPENAI_API_KEY).",
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "ASSISTANT_OPENAI_BASE_URL"),
        description="Base URL of an OpenAI-compatible server, e.g. http://localhost:11434/v1 "
        "(OPENAI_BASE_URL).",
    )
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature of the model.")
    llm_timeout: float = Field(
        30.0, gt=0,
        description="Seconds per model request attempt; (retries + 1) times this bounds a request.",
    )
    llm_max_retries: int = Field(
        2, ge=0, le=10,
        description="Retries of a model request that has not started: lost connection, 429, "
        "5xx, and timeouts of a hosted service (a server on this machine is not asked again).",
    )
    llm_question_timeout: float = Field(
        120.0, gt=0,
        description="Seconds the model may take for one question, all its requests together "
        "(rewrite, answer, repair); when they run out the answer quotes the sources.",
    )
    slack_api_url: str = Field(
        "https://slack.com/api/",
        description="Base URL of the Slack Web API, for a proxy or a local test server.",
    )
    slack_bot_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_BOT_TOKEN", "ASSISTANT_SLACK_BOT_TOKEN"),
        description="The Slack app's Bot User OAuth Token, xoxb-... (SLACK_BOT_TOKEN).",
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "ASSISTANT_SLACK_SIGNING_SECRET"),
        description="Checks that HTTP events come from Slack; not needed in Socket Mode "
        "(SLACK_SIGNING_SECRET).",
    )
    slack_app_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_APP_TOKEN", "ASSISTANT_SLACK_APP_TOKEN"),
        description="App-level token, xapp-...; when set the bot connects by Socket Mode "
        "instead of serving HTTP (SLACK_APP_TOKEN).",
    )
    slack_questions_per_minute: int = Field(
        6, ge=1, le=1000,
        description="Questions one Slack user may ask per minute; more get a polite reply to wait.",
    )
    web_concurrency: int = Field(
        8, ge=1, le=64,
        description="Answers the web page computes at once; further requests wait in its queue.",
    )

    @field_validator("openai_base_url")
    @classmethod
    def _valid_base_url(cls, value: str | None) -> str | None:
        return _base_url(value)

    @field_validator("knowledge_dir", "data_dir", mode="before")
    @classmethod
    def _named_folder(cls, value: object) -> object:
        """An empty value would mean the current directory, every file under it ingested."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty; name a folder, or unset it for the default")
        return value

    @field_validator("embedding_model")
    @classmethod
    def _known_embedding_model(cls, value: str) -> str:
        if value in ("local", "multilingual") or value.startswith("openai:"):
            return value
        raise ValueError(
            "must be `local`, `multilingual` or `openai:<model>` "
            "(e.g. openai:text-embedding-3-small)"
        )

    def llm_enabled(self) -> bool:
        """Generation is on when any of the model settings is given."""
        return bool(self.chat_model or self.openai_api_key or self.openai_base_url)
