import pytest

from assistant.search.question import (
    analyse,
    entities_in,
    mentions,
    mentions_words,
    spells_out,
    written_name,
)

ARTICLE = (
    "China is deepening cooperation with the Association of Southeast Asian Nations, Central "
    "Asia and BRICS. In 2022, the Twentieth National Congress of the Communist Party of China "
    "met, and talks at the World Trade Organization went on."
)


@pytest.mark.parametrize(
    ("acronym", "expected"),
    [
        ("ASEAN", True),
        ("WTO", True),
        ("CPC", True),
        ("NATO", False),
        ("AI", False),
        ("OECD", False),
        ("Asean", False),
    ],
)
def test_an_acronym_is_found_by_its_long_form(acronym: str, expected: bool) -> None:
    assert spells_out(ARTICLE, acronym) is expected


def test_a_name_is_mentioned_as_written_as_a_demonym_or_spelled_out() -> None:
    assert mentions(ARTICLE, "World Trade Organization")
    assert mentions("Chinese sellers expanded abroad.", "China")
    assert mentions(ARTICLE, "ASEAN") and mentions_words(ARTICLE, "ASEAN")
    assert not mentions(ARTICLE, "Brazil") and not mentions_words(ARTICLE, "NATO")


def test_names_exclude_the_question_word_and_small_words() -> None:
    question = "What did the WTO and the Group of Twenty agree with China in 2019?"
    assert entities_in(question) == ["WTO", "Group", "Twenty", "China"]


def test_the_constraints_a_question_puts_on_its_answer() -> None:
    needs = analyse("How many overseas warehouses had China set up by 2024?")
    assert needs.wants_quantity and needs.years == {2024} and needs.entities == ["China"]
    when = analyse("In which year did China apply to join the DEPA?")
    assert when.wants_year and "year" not in when.terms
    assert analyse("What is China's DDT export figure on its own?").alone


def test_a_written_name_keeps_its_capitals_not_a_lower_case_word_it_begins() -> None:
    apple = written_name("Apple")
    assert apple.search("Apple is its rival.") and apple.search("Apple's shops")
    assert not apple.search("Elm applied for a grant; the application and an apple")
    assert written_name("Chinese").search("China's GDP")
    bank = written_name("Bank of China")
    assert bank.search("the Bank of China said") and not bank.search("a bank in China")
