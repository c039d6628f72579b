"""User-facing errors: each message says what went wrong and what to do about it.

Interfaces translate these at the edge (CLI exit code, ``gr.Error``, a Slack reply); anything
else that escapes is a bug.
"""


class AssistantError(Exception):
    """Base of every error whose message is meant for the user."""

    exit_code = 1


class InvalidQuestionError(AssistantError):
    """The question is empty, too long or otherwise unusable."""

    exit_code = 2


class ConfigurationError(AssistantError):
    """A setting is missing or wrong; the message names the setting."""

    exit_code = 2


class ModelFileError(AssistantError):
    """The embedding model or tokenizer file is missing or fails its hash check."""


class EmbeddingMismatchError(AssistantError):
    """The store was built with another embedding model than the one configured."""


class DocumentError(AssistantError):
    """One document could not be read; the others are unaffected."""


class StoreUnavailableError(AssistantError):
    """The vector store (embedded or server) cannot be reached or written."""


class StoreBusyError(StoreUnavailableError):
    """Another process held the store's writer lock for longer than the wait allowed."""


class EmptyStoreError(AssistantError):
    """Nothing has been ingested yet."""


class ModelUnavailableError(AssistantError):
    """The chat model could not be reached within the retry budget."""


class ModelRequestError(ModelUnavailableError):
    """The model server refused a request (4xx): longer than its context window, or a
    parameter it does not accept. The answer falls back like an unavailable model's."""
