"""Cited answers from your documents.

The public API is imported lazily, so ``import assistant`` costs nothing and touches nothing;
LangChain's runnable and tool classes load only with ``AnswerChain``, ``HybridRetriever`` or
``answer_tool``.
"""

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Answer",
    "AnswerChain",
    "AssistantError",
    "HybridRetriever",
    "KnowledgeBase",
    "Settings",
    "answer_tool",
    "ask",
    "ask_stream",
    "shared_knowledge_base",
    "sync",
]

if TYPE_CHECKING:
    from assistant.answer.core import ask, ask_stream
    from assistant.config import Settings
    from assistant.errors import AssistantError
    from assistant.interfaces.runnables import AnswerChain, answer_tool
    from assistant.knowledge.base import KnowledgeBase
    from assistant.knowledge.ingest import sync
    from assistant.knowledge.shared import shared_knowledge_base
    from assistant.search.retriever import HybridRetriever
    from assistant.types import Answer

_HOMES = {
    "ask": "assistant.answer.core",
    "ask_stream": "assistant.answer.core",
    "Answer": "assistant.types",
    "AnswerChain": "assistant.interfaces.runnables",
    "AssistantError": "assistant.errors",
    "HybridRetriever": "assistant.search.retriever",
    "KnowledgeBase": "assistant.knowledge.base",
    "Settings": "assistant.config",
    "answer_tool": "assistant.interfaces.runnables",
    "shared_knowledge_base": "assistant.knowledge.shared",
    "sync": "assistant.knowledge.ingest",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
