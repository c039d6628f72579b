"""One knowledge base per settings in a process, so ``ask()`` without one is as fast as with one.

Opening a knowledge base opens the store, loads the BM25 index and reads the manifest: more
than a warm question costs. ``shared_knowledge_base`` opens one the first time a set of settings
asks for it and hands the same object to every later caller, from any thread.
"""

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase

# Distinct settings kept open at once; the least recently used is let go beyond this.
MAX_OPEN = 8
# Environment variables ``Settings()`` reads (pydantic-settings matches names in any case).
ENV_PREFIXES = ("ASSISTANT_", "OPENAI_", "SLACK_")

_lock = threading.Lock()
_open: "OrderedDict[tuple[Any, ...], KnowledgeBase]" = OrderedDict()
_from_environment: tuple[tuple[Any, ...], Settings] | None = None


def environment_settings() -> Settings:
    """``Settings()``, read again only when one of its environment variables or the working
    directory changed (building it costs about 3 ms, a tenth of a warm question)."""
    global _from_environment
    snapshot = (
        os.getcwd(),
        *sorted((k, v) for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIXES)),
    )
    cached = _from_environment
    if cached is not None and cached[0] == snapshot:
        return cached[1]
    settings = Settings()
    _from_environment = (snapshot, settings)
    return settings


def settings_key(settings: Settings) -> tuple[Any, ...]:
    """What tells two settings apart: every field, paths made absolute (so a later ``chdir``
    cannot point one key at two folders), secrets by their SHA-256."""
    values: list[Any] = []
    for name, value in settings:
        if isinstance(value, Path):
            value = os.path.abspath(value)
        elif isinstance(value, SecretStr):
            value = hashlib.sha256(value.get_secret_value().encode()).hexdigest()
        elif not isinstance(value, str | int | float | bool | type(None)):
            value = repr(value)
        values.append((name, value))
    return (type(settings).__qualname__, *values)


def shared_knowledge_base(settings: Settings | None = None) -> KnowledgeBase:
    """The process's knowledge base for ``settings`` (default: the environment's), opened on
    first use. Different settings get different knowledge bases; equal ones share one.

    Its folders are made absolute when it opens, so changing the working directory later
    neither moves it nor mixes two folders. Documents synced elsewhere (another process, or
    another ``KnowledgeBase`` object) are seen within a second, as ``KnowledgeBase.refresh``
    checks the store; sync through this object and the next question sees them at once.

    Raises what opening raises (``StoreUnavailableError``, ``EmbeddingMismatchError``,
    ``ModelFileError``); a failed open is not remembered, so the next call tries again.
    """
    settings = settings or environment_settings()
    key = settings_key(settings)
    with _lock:
        kb = _open.get(key)
        if kb is None:
            kb = KnowledgeBase(_absolute(settings))
            _open[key] = kb
            if len(_open) > MAX_OPEN:
                _open.popitem(last=False)
        _open.move_to_end(key)
        return kb


def _absolute(settings: Settings) -> Settings:
    paths = {name: Path(os.path.abspath(v)) for name, v in settings if isinstance(v, Path)}
    return settings.model_copy(update=paths)
