import json
from pathlib import Path

import pytest

from evals.cases import FixtureError
from evals.squad import DATASETS_DIR, load_articles, load_spec, prepare, sample_questions, to_case

SQUAD = {
    "version": "v2.0",
    "data": [
        {
            "title": "Harbour_Town",
            "paragraphs": [
                {
                    "context": "The harbour opened in 1921. It was founded by Anna Berg.",
                    "qas": [
                        {"id": "q1", "question": "When did the harbour open?",
                         "answers": [{"text": "1921", "answer_start": 22},
                                     {"text": "1921", "answer_start": 22},
                                     {"text": "in 1921", "answer_start": 19}],
                         "is_impossible": False},
                        {"id": "q2", "question": "Who closed the harbour in 1921?",
                         "answers": [], "plausible_answers": [{"text": "Anna Berg"}],
                         "is_impossible": True},
                    ],
                }
            ],
        },
        {"title": "Other", "paragraphs": [{"context": "Nothing here.", "qas": []}]},
    ],
}


@pytest.fixture
def squad_file(tmp_path: Path) -> Path:
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(SQUAD), encoding="utf-8")
    return path


def test_an_article_is_one_document_and_each_question_one_case(
    squad_file: Path, tmp_path: Path
) -> None:
    [article, _] = load_articles(squad_file)
    assert article.document_name == "Harbour_Town.txt"
    assert article.document_text.startswith("Harbour Town\n\nThe harbour opened in 1921.")
    answerable, unanswerable = (to_case(q) for q in article.questions)
    assert answerable.expect == [["1921", "in 1921"]] and answerable.answerable
    assert not unanswerable.answerable and unanswerable.expect == []
    assert unanswerable.tags == ["squad", "Harbour_Town", "unanswerable"]


def test_a_spec_draws_the_same_seeded_sample_each_time(tmp_path: Path) -> None:
    spec = load_spec(DATASETS_DIR / "squad2-heldout.yaml")
    first = prepare(spec, "heldout", tmp_path)
    second = prepare(spec, "heldout", tmp_path)
    assert [c.id for c in first.cases] == [c.id for c in second.cases]
    assert len(first.cases) == spec.sample and spec.sample and spec.sample >= 150
    share = sum(not c.answerable for c in first.cases) / len(first.cases)
    assert 0.4 < share < 0.6
    assert sorted(p.name for p in first.knowledge_dir.iterdir()) == [
        "French_and_Indian_War.txt", "Warsaw.txt"
    ]


def test_named_articles_only_and_unknown_names_refused(squad_file: Path) -> None:
    assert [a.title for a in load_articles(squad_file, ["Other"])] == ["Other"]
    with pytest.raises(FixtureError, match="no article titled Nowhere"):
        load_articles(squad_file, ["Nowhere"])


def test_a_file_that_is_not_squad_format_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": [{"paragraphs": 3}]}')
    with pytest.raises(FixtureError, match=r"bad\.json: not SQuAD-format JSON"):
        load_articles(bad)


def test_a_sample_larger_than_the_set_is_the_whole_set(squad_file: Path) -> None:
    articles = load_articles(squad_file)
    assert len(sample_questions(articles, 50, 1)) == 2
