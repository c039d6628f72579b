import pytest

from assistant.search.forms import (
    AskedForm,
    asked_form,
    claims_primacy,
    quotes_wording,
    set_aside,
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the main obstacle to the merger?", AskedForm(ranked=True)),
        ("Which is the single biggest risk they name?", AskedForm(ranked=True)),
        ("How does the report describe the new policy?", AskedForm(wording=True)),
        ("How are the two pacts characterised?", AskedForm(wording=True)),
        ("What is the programme called?", AskedForm(wording=True)),
        ("What term do officials use for it?", AskedForm(wording=True)),
        (
            "Instead of state subsidies, what paid for the roads?",
            AskedForm(rejected="state subsidies"),
        ),
        ("Rather than planning, what shaped it?", AskedForm(rejected="planning")),
        ("How many warehouses were built by 2024?", AskedForm()),
        ("How did exports change after 2019?", AskedForm()),
    ],
)
def test_the_form_a_question_asks_for(question: str, expected: AskedForm) -> None:
    assert asked_form(question) == expected


def test_a_primacy_claim_has_the_rank_form_but_a_count_of_main_things_does_not() -> None:
    assert claims_primacy("The primary hurdle is the cost of energy.")
    assert not claims_primacy("It falls into four main areas: food, fuel, rent and tax.")


def test_quoted_wording_has_the_wording_form() -> None:
    assert quotes_wording("They call it the “new engine” of growth.")
    assert quotes_wording('They call it the "new engine" of growth.')
    assert not quotes_wording("China’s exports grew in the country’s ports.")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Growth was not driven by design but by demand.", ["driven by design"]),
        ("It sets principles rather than specific rules.", ["specific rules"]),
        ("They chose rail instead of roads, for cost.", ["roads"]),
        ("It is not only cheap but also fast.", []),
        ("Nothing is set aside here.", []),
    ],
)
def test_what_a_sentence_sets_aside(sentence: str, expected: list[str]) -> None:
    assert set_aside(sentence) == expected
