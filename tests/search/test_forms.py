import pytest

from assistant.search.forms import (
    AskedForm,
    asked_form,
    contrast_bonus,
    form_bonus,
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
    ranked = AskedForm(ranked=True)
    assert form_bonus(ranked, "The primary hurdle is the cost of energy.") == 1.0
    assert form_bonus(ranked, "It falls into four main areas: food, fuel, rent and tax.") == 0.0
    assert form_bonus(AskedForm(), "The primary hurdle is the cost of energy.") == 0.0


def test_quoted_wording_has_the_wording_form() -> None:
    wording = AskedForm(wording=True)
    assert form_bonus(wording, "They call it the “new engine” of growth.") == 1.0
    assert form_bonus(wording, 'They call it the "new engine" of growth.') == 1.0
    assert form_bonus(wording, "China’s exports grew in the country’s ports.") == 0.0


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


def test_the_contrast_share_grows_with_likeness_and_is_never_negative() -> None:
    assert contrast_bonus(0.4) > contrast_bonus(0.2) > 0.0
    assert contrast_bonus(-0.3) == 0.0
