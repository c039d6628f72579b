"""The multilingual embedding setting: a real store, the packaged multilingual-e5-small model."""

import shutil
from pathlib import Path

from assistant.answer.core import ask
from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync

LEAVE = Path(__file__).resolve().parents[1] / "regressions" / "data" / "08-min3" / "knowledge"


def test_chinese_is_searched_by_meaning_with_the_multilingual_model(tmp_path: Path) -> None:
    shutil.copytree(LEAVE, tmp_path / "knowledge")
    settings = Settings(knowledge_dir=tmp_path / "knowledge", data_dir=tmp_path / "data",
                        embedding_model="multilingual")
    kb = KnowledgeBase(settings)
    report = sync(kb)
    assert kb.embedding_model.startswith("multilingual-e5-small")
    assert report.notes == []  # no English-only warning with this model
    answer = ask("产假多长时间？", knowledge=kb)
    assert "一百五十八天" in answer.answer and "婚假" not in answer.answer
