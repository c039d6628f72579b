"""One knowledge base per settings in a process: reuse, isolation, threads, following the store."""

import os
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest

from assistant import ask
from assistant.config import Settings
from assistant.errors import EmptyStoreError, StoreUnavailableError
from assistant.knowledge import base, shared
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.knowledge.shared import environment_settings, shared_knowledge_base
from tests.fakes import KeywordHashEmbeddings


class CountingKnowledgeBase(KnowledgeBase):
    """A real knowledge base with the fast embedding, counting how many were opened."""

    opened: ClassVar[list["CountingKnowledgeBase"]] = []
    lock = threading.Lock()

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__(settings, embeddings=KeywordHashEmbeddings())
        with self.lock:
            self.opened.append(self)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[CountingKnowledgeBase]:
    opened: list[CountingKnowledgeBase] = []
    monkeypatch.setattr(CountingKnowledgeBase, "opened", opened)
    monkeypatch.setattr(shared, "KnowledgeBase", CountingKnowledgeBase)
    return opened


def test_equal_settings_share_one_knowledge_base_and_different_ones_do_not(
    settings: Settings, counting: list[CountingKnowledgeBase]
) -> None:
    first = shared_knowledge_base(settings)
    assert shared_knowledge_base(Settings(**settings.model_dump())) is first
    assert shared_knowledge_base(settings.model_copy(update={"top_k": 5})) is not first
    other_data = settings.model_copy(update={"data_dir": settings.data_dir / "other"})
    assert shared_knowledge_base(other_data).settings.data_dir == settings.data_dir / "other"
    assert len(counting) == 3


def test_api_keys_tell_settings_apart_without_being_kept(tmp_path: Path) -> None:
    one = shared.settings_key(Settings(data_dir=tmp_path, openai_api_key="sk-one"))
    two = shared.settings_key(Settings(data_dir=tmp_path, openai_api_key="sk-two"))
    assert one != two
    assert "sk-one" not in repr(one)


def test_relative_folders_are_fixed_when_opened_so_chdir_gets_another_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counting: list[CountingKnowledgeBase]
) -> None:
    relative = Settings(knowledge_dir=Path("knowledge"), data_dir=Path(".assistant"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    in_a = shared_knowledge_base(relative)
    monkeypatch.chdir(tmp_path / "b")
    in_b = shared_knowledge_base(relative)
    assert in_a is not in_b
    assert in_a.settings.data_dir == tmp_path / "a" / ".assistant"
    assert in_b.settings.knowledge_dir == tmp_path / "b" / "knowledge"
    assert (tmp_path / "a" / ".assistant" / "chroma").is_dir()


def test_threads_asking_at_once_open_one_knowledge_base(
    settings: Settings, counting: list[CountingKnowledgeBase]
) -> None:
    start = threading.Barrier(8)
    got: list[KnowledgeBase] = []

    def open_one() -> None:
        start.wait()
        got.append(shared_knowledge_base(Settings(**settings.model_dump())))

    threads = [threading.Thread(target=open_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 8 and len({id(kb) for kb in got}) == 1
    assert len(counting) == 1


def test_the_least_recently_used_is_let_go_beyond_the_limit(
    settings: Settings, counting: list[CountingKnowledgeBase]
) -> None:
    def variant(n: int) -> Settings:
        return settings.model_copy(update={"top_k": n})

    first = shared_knowledge_base(variant(1))
    for n in range(2, shared.MAX_OPEN + 1):
        shared_knowledge_base(variant(n))
    assert shared_knowledge_base(variant(1)) is first  # used again: now the most recent
    shared_knowledge_base(variant(shared.MAX_OPEN + 1))
    assert shared_knowledge_base(variant(1)) is first
    assert shared_knowledge_base(variant(2)) is not counting[1]


def test_a_failed_open_is_not_remembered(
    tmp_path: Path, counting: list[CountingKnowledgeBase]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    broken = Settings(knowledge_dir=tmp_path, data_dir=blocker / "data")
    for _ in range(2):
        with pytest.raises(StoreUnavailableError):
            shared_knowledge_base(broken)
    blocker.unlink()
    assert shared_knowledge_base(broken).settings.data_dir == blocker / "data"


def test_environment_settings_are_read_again_only_when_they_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "one"))
    first = environment_settings()
    assert environment_settings() is first
    monkeypatch.setenv("assistant_top_k", "7")  # pydantic-settings reads any case
    changed = environment_settings()
    assert changed is not first and changed.top_k == 7
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "two"))
    assert environment_settings().data_dir == tmp_path / "two"
    monkeypatch.setenv("UNRELATED_VARIABLE", "x")
    assert environment_settings() is environment_settings()


def test_ask_without_a_knowledge_base_sees_documents_synced_elsewhere(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync by another process (here: another KnowledgeBase object) reaches the shared
    one through its store check, at most a second later (made immediate here)."""
    monkeypatch.setattr(base, "FRESHNESS_SECONDS", 0.0)
    monkeypatch.setenv("ASSISTANT_KNOWLEDGE_DIR", str(settings.knowledge_dir))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    question = "How many overseas warehouses had been established by 2024?"
    with pytest.raises(EmptyStoreError, match="assistant ingest"):
        ask(question)
    sync(KnowledgeBase(Settings()))
    answer = ask(question)
    assert "2,500" in answer.answer and answer.citations
    assert shared_knowledge_base() is shared_knowledge_base(Settings())
    assert os.path.isabs(shared_knowledge_base().settings.data_dir)
