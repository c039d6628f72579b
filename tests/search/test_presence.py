from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.search.presence import absent_names, in_corpus
from assistant.search.question import entities_in
from tests.fakes import KeywordHashEmbeddings

ESSAY = (
    "I have used PowerPoint for every talk I gave since 2009. My slides are plain: one idea "
    "each. I learned that from Microsoft's own training course, which I took twice."
)
NEWS = "Northwind Traders employs 120 people in Oslo. Contoso Ltd. has a staff of 4,500."


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "essay.txt").write_text(ESSAY, encoding="utf-8")
    (knowledge / "news.txt").write_text(NEWS, encoding="utf-8")
    base = KnowledgeBase(
        Settings(knowledge_dir=knowledge, data_dir=tmp_path / "data"),
        embeddings=KeywordHashEmbeddings(),
    )
    sync(base)
    base.refresh(force=True)
    return base


@pytest.mark.parametrize("name", ["PowerPoint", "Power Point", "powerpoint", "Microsfot",
                                  "Northwind", "Contoso"])
def test_a_name_the_corpus_holds_in_another_spelling_is_in_it(kb: KnowledgeBase, name: str) -> None:
    assert in_corpus(kb, name)


def test_a_name_nowhere_in_the_corpus_is_absent(kb: KnowledgeBase) -> None:
    assert not in_corpus(kb, "Fabrikam")
    assert absent_names(kb, ["Fabrikam"], []) == ["Fabrikam"]


def test_the_unnamed_narrator_of_a_first_person_document_is_not_absent(
    kb: KnowledgeBase,
) -> None:
    from assistant.search.retrieve import search

    hits = search(kb, "What does Jordan Reyes put on each slide?", 2).hits
    assert any("essay" in hit.source for hit in hits)
    assert absent_names(kb, ["Jordan Reyes"], [h for h in hits if "essay" in h.source]) == []
    news_hits = [h for h in hits if "news" in h.source] or hits[:0]
    if news_hits:
        assert absent_names(kb, ["Jordan Reyes"], news_hits) == ["Jordan Reyes"]


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Which tools are mentioned in the essay? Describe each.", []),
        ("Based on the essay, why are the slides plain?", []),
        ("Explain how Contoso grew.", ["Contoso"]),
        ("How many people does Northwind Traders employ?", ["Northwind Traders"]),
    ],
)
def test_the_first_word_of_each_sentence_is_no_name(question: str, names: list[str]) -> None:
    assert entities_in(question) == names
