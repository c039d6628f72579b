"""Fixtures of the reliability suite: a synced fast knowledge base, the Slack bot's harness."""

import pytest

from assistant.answer.core import ask
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from tests.interfaces.test_slack import slack_api, start_bot  # noqa: F401  (fixtures)

FACT_QUESTION = "What share of China's GDP was the digital economy in 2023?"
FACT = "42.8 percent"


@pytest.fixture
def kb(fast_kb: KnowledgeBase) -> KnowledgeBase:
    """The bundled knowledge in a real Chroma store (keyword embeddings: mechanics, not quality)."""
    report = sync(fast_kb)
    assert report.documents == 1
    return fast_kb


def assert_facts_still_answered(kb: KnowledgeBase) -> None:
    """Nothing stored was lost: the bundled article still answers its headline figure."""
    answer = ask(FACT_QUESTION, knowledge=kb)
    assert FACT in answer.answer and answer.verification.status == "verified"
    assert "china-digital-trade.md" in kb.manifest()
