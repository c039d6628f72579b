"""The knowledge base: which chunks a search may use."""

from pathlib import Path

from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync


def _chunk_ids(kb: KnowledgeBase, source: str) -> list[str]:
    return [row["id"] for row in kb.store.document_chunks(kb.manifest()[source])]


def test_chunks_of_a_deleted_file_are_dropped_before_the_next_ingest(
    fast_kb: KnowledgeBase, knowledge_dir: Path
) -> None:
    (knowledge_dir / "zephyr.md").write_text(
        "# Zephyr\n\nZephyr ships in March.\n\nIts price is not set.", encoding="utf-8"
    )
    sync(fast_kb)
    article = _chunk_ids(fast_kb, "china-digital-trade.md")
    zephyr = _chunk_ids(fast_kb, "zephyr.md")
    assert fast_kb.active_chunks(article + zephyr) == set(article + zephyr)
    (knowledge_dir / "zephyr.md").unlink()
    assert fast_kb.active_chunks(zephyr + article) == set(article)
    assert not fast_kb.is_active_chunk(zephyr[0]) and fast_kb.is_active_chunk(article[0])


def test_chunks_of_another_version_or_an_unknown_document_are_inactive(kb: KnowledgeBase) -> None:
    chunk = _chunk_ids(kb, "china-digital-trade.md")[0]
    document, version, index = chunk.rsplit(":", 2)
    stale = f"{document}:{'0' * len(version)}:{index}"
    assert kb.active_chunks([chunk, stale, "nobody:0123456789ab:0"]) == {chunk}
    assert kb.active_chunks([]) == set()
