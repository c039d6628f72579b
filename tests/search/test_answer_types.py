import pytest

from assistant.search.answer_types import asked_type, holds_type


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When must the training be completed?", "time"),
        ("In what year was the Edict of Nantes issued?", "time"),
        ("What are the opening hours on Saturday?", "time"),
        ("How many days a week may employees work remotely?", "quantity"),
        ("What percentage of staff cycle to work?", "quantity"),
        ("Who founded the museum?", "person"),
        ("Which organisation first published the report?", "person"),
        ("What company makes the pump?", "person"),
        ("Where is the service desk?", "place"),
        ("Why did the Huguenots leave France?", "reason"),
        ("How do I renew an expired certificate?", "manner"),
        ("What is the Digital Silk Road?", "other"),
        ("What is the main obstacle to the merger?", "primacy"),
        ("How are the two pacts described?", "wording"),
        ("Rather than planning, what shaped the policy?", "contrast"),
        ("How many main areas are there?", "quantity"),
    ],
)
def test_the_question_word_says_what_kind_of_answer_is_asked_for(question: str, kind: str) -> None:
    assert asked_type(question) == kind


@pytest.mark.parametrize(
    "sentence",
    [
        "The training must be completed within the first two weeks of employment.",
        "Payroll runs on the last working day of each month.",
        "The edict was issued in 1598.",
        "Saturday: 10:00 to 14:00",
    ],
)
def test_dates_durations_and_recurrences_answer_when(sentence: str) -> None:
    assert holds_type("time", sentence, "When is it?")


def test_number_words_are_quantities_and_a_figure_the_question_states_is_not_an_answer() -> None:
    assert holds_type("quantity", "Employees may work remotely up to three days a week.", "")
    assert holds_type("quantity", "Twelve percent of staff cycle to work.", "")
    assert not holds_type(
        "quantity", "It grew to 42.8 percent.", "Which sector grew to 42.8 percent?"
    )


def test_a_name_the_question_already_gives_does_not_answer_who() -> None:
    question = "Who did Anna Berg marry?"
    assert not holds_type("person", "Anna Berg married in 1921.", question)
    assert holds_type("person", "Anna Berg married Karl Lund in 1921.", question)


def test_reasons_and_ways_are_recognised_by_their_connectives() -> None:
    assert holds_type("reason", "They left because of the persecution.", "")
    assert holds_type("manner", "Renew it by opening the VPN portal.", "")
    assert not holds_type("reason", "They left in 1685.", "")
