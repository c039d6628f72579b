"""Sync embeds and writes changed documents in batches; each batch is one write per collection."""

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.knowledge import ingest
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from tests.fakes import KeywordHashEmbeddings


def _write(folder: Path, count: int, word: str) -> None:
    for i in range(count):
        (folder / f"d{i}.md").write_text(
            f"# Report {i}\n\nKenya signed {i} {word} pacts in 2020. Rwanda followed in 2021."
        )


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    (tmp_path / "docs").mkdir()
    settings = Settings(knowledge_dir=tmp_path / "docs", data_dir=tmp_path / "data")
    return KnowledgeBase(settings, embeddings=KeywordHashEmbeddings())


def test_documents_written_in_batches_are_all_visible_and_replace_old_versions(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "WRITE_BATCH_SENTENCES", 5)
    writes: list[int] = []
    original = kb.store.write_documents

    def counted(batch: list[object]) -> None:
        writes.append(len(batch))
        original(batch)  # type: ignore[arg-type]

    monkeypatch.setattr(kb.store, "write_documents", counted)
    _write(kb.settings.knowledge_dir, 7, "trade")
    report = sync(kb)
    assert report.documents == 7 and report.sentences_embedded == 14
    assert writes == [3, 3, 1]
    _write(kb.settings.knowledge_dir, 7, "data")
    assert sorted(sync(kb).updated) == [f"d{i}.md" for i in range(7)]
    assert kb.store.chunks.count() == 7 and kb.store.sentences.count() == 14
    texts = kb.store.chunks.get(include=["documents"])["documents"]
    assert all("data pacts" in text for text in texts)


def test_a_file_named_twice_in_one_sync_is_written_without_duplicate_ids(
    kb: KnowledgeBase,
) -> None:
    _write(kb.settings.knowledge_dir, 3, "trade")
    report = sync(kb, [kb.settings.knowledge_dir, kb.settings.knowledge_dir / "d1.md"])
    assert report.documents == 3 and kb.store.chunks.count() == 3
