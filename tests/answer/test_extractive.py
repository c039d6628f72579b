import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answer.draft import REFUSAL
from assistant.answer.extractive import answer, assess, with_followers
from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.search.fitted import PACKAGED
from assistant.search.retrieve import search

DOCUMENTS = {
    "alder.md": "# Alder Logistics\n\nAlder Logistics employs 1,200 people across four depots. "
    "Its fleet of electric vans grew to 310 in 2024. "
    "Its operations director is Maren Lindqvist.\n",
    "birch.md": "# Birch Foods\n\nBirch Foods opened its first bakery in Leeds in 2019. "
    "The company was founded by Maria Holt after she left a career in banking. "
    "Its finance director is Tom Reyes.\n\n## Suppliers\n\n"
    "Flour comes from a mill in York and is delivered by Alder Logistics.\n",
    "elm.md": "# Elm Devices\n\nElm Devices applied for a grant in 2022, and the application "
    "was approved. Its finance director is Park Soon. Apple is its main rival.\n",
    "market.md": "# Grocery delivery\n\nDelivery revenue reached 4.1 billion pounds in 2022. "
    "Ocado, Tesco and Sainsbury's together held 61 percent of online grocery sales.\n",
}


@pytest.fixture(scope="module")
def companies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """Three small documents ingested with the real ONNX model."""
    root = tmp_path_factory.mktemp("companies")
    for name, text in DOCUMENTS.items():
        (root / "knowledge").mkdir(exist_ok=True)
        (root / "knowledge" / name).write_text(text, encoding="utf-8")
    kb = KnowledgeBase(Settings(knowledge_dir=root / "knowledge", data_dir=root / "data"))
    sync(kb)
    yield kb


def answered(kb: KnowledgeBase, question: str) -> tuple[str, list[str]]:
    draft = answer(kb, search(kb, question, kb.settings.top_k), kb.settings.max_answer_chars)
    return draft.text, [c.source for c in draft.citations]


def test_an_answer_quotes_its_source_sentence_verbatim(companies: KnowledgeBase) -> None:
    text, sources = answered(companies, "Who founded Birch Foods?")
    assert "founded by Maria Holt" in text and sources == ["birch.md"]
    assert text.endswith("[1]")


def test_a_figure_about_one_company_never_comes_from_another_companys_document(
    companies: KnowledgeBase,
) -> None:
    text, sources = answered(companies, "How many people does Birch Foods employ?")
    assert "1,200" not in text and "alder.md" not in sources


@pytest.mark.parametrize(
    ("role", "person", "page", "company", "other"),
    [
        ("operations director", "Maren Lindqvist", "alder.md", "Alder Logistics", "Birch Foods"),
        # birch.md names Alder Logistics in passing, as its flour carrier.
        ("finance director", "Tom Reyes", "birch.md", "Birch Foods", "Alder Logistics"),
        # elm.md names Apple once, and "applied" and "application" begin with its letters.
        ("finance director", "Park Soon", "elm.md", "Elm Devices", "Apple"),
    ],
)
def test_a_person_is_the_answer_only_for_the_company_whose_page_is_about_them(
    companies: KnowledgeBase, role: str, person: str, page: str, company: str, other: str
) -> None:
    text, sources = answered(companies, f"Who is the {role} of {other}?")
    assert person.split()[-1] not in text and page not in sources
    text, sources = answered(companies, f"Who is the {role} of {company}?")
    assert person in text and sources == [page]


def test_a_name_the_corpus_never_mentions_is_declined_by_name(companies: KnowledgeBase) -> None:
    text, sources = answered(companies, "How many vans does Cedar Works run?")
    assert text == f"{REFUSAL} They do not mention Cedar Works." and sources == []


def test_a_figure_for_another_year_is_declined_naming_the_year_given(
    companies: KnowledgeBase,
) -> None:
    text, sources = answered(companies, "What was delivery revenue in 2021?")
    assert text.startswith(REFUSAL) and "for 2022, not 2021 [1]" in text
    assert sources == ["market.md"]


def test_a_figure_for_a_group_is_not_given_for_one_member_alone(
    companies: KnowledgeBase,
) -> None:
    text, _ = answered(companies, "What share of online grocery sales did Tesco hold on its own?")
    assert text.startswith(REFUSAL) and "not for Tesco alone" in text


@pytest.fixture
def declining(companies: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    """The same store with fitted parameters whose decline threshold no answer reaches."""
    strict = json.loads(PACKAGED.read_text(encoding="utf-8")) | {"decline_below": 1.0}
    path = tmp_path / "strict.json"
    path.write_text(json.dumps(strict), encoding="utf-8")
    return KnowledgeBase(companies.settings.model_copy(update={"answer_parameters": path}))


def test_below_the_fitted_decline_threshold_the_answer_is_a_decline(
    declining: KnowledgeBase,
) -> None:
    draft = answer(declining, search(declining, "Who founded Birch Foods?", 4), 600)
    assert draft.abstained and draft.confidence is not None and draft.confidence < 1.0


def test_followers_are_added_only_when_nearly_as_likely_and_adding_a_term(
    companies: KnowledgeBase,
) -> None:
    retrieval = search(companies, "How many people does Alder Logistics employ and how many "
                       "vans does it have?", 4)
    found = assess(companies, retrieval)
    assert found.best is not None
    terms = retrieval.needs.terms
    alone = with_followers(found.best, found.eligible, terms, 600, ratio=1.01)
    assert alone == [found.best]
    every = with_followers(found.best, found.eligible, terms, 600, ratio=0.0)
    assert 1 <= len(every) <= 3
    quoted = [span for unit in every for span in unit.spans]
    assert len(quoted) == len(set(quoted))
    assert with_followers(found.best, found.eligible, terms, len(found.best.text), 0.0) == [
        found.best]


def test_a_decline_names_no_year_when_the_nearest_passage_has_every_year_asked(
    declining: KnowledgeBase,
) -> None:
    draft = answer(declining, search(declining, "What was delivery revenue in 2022?", 4), 600)
    assert draft.abstained and draft.text == REFUSAL and not draft.citations


def test_a_name_spelled_otherwise_than_in_the_corpus_excludes_no_passage(
    companies: KnowledgeBase,
) -> None:
    text, sources = answered(companies, "Who is the operations director of Aldar Logistics?")
    assert "Maren Lindqvist" in text and sources == ["alder.md"]
