"""Cited answers from your documents.

The public API is imported lazily, so ``import assistant`` costs nothing and touches nothing.
"""

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Answer", "KnowledgeBase", "Settings", "ask", "ask_stream"]

if TYPE_CHECKING:
    from assistant.answer.core import ask, ask_stream
    from assistant.config import Settings
    from assistant.knowledge.base import KnowledgeBase
    from assistant.types import Answer

_HOMES = {
    "ask": "assistant.answer.core",
    "ask_stream": "assistant.answer.core",
    "Answer": "assistant.types",
    "Settings": "assistant.config",
    "KnowledgeBase": "assistant.knowledge.base",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
