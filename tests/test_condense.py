from assistant.answer.condense import condense
from assistant.types import Turn

PREVIOUS = [
    Turn(role="user", content="What share of GDP was the digital economy in 2023?"),
    Turn(role="assistant", content="42.8 percent [1]."),
]


def test_a_year_follow_up_replaces_the_year() -> None:
    assert (
        condense("And in 2015?", PREVIOUS) == "What share of GDP was the digital economy in 2015?"
    )


def test_a_follow_up_with_a_pronoun_carries_the_previous_question() -> None:
    question = condense("What about its imports?", PREVIOUS)
    assert question.startswith("What share of GDP") and question.endswith("What about its imports?")


def test_a_standalone_question_is_left_alone() -> None:
    question = "How many overseas warehouses had China established by 2024?"
    assert condense(question, PREVIOUS) == question
    assert condense("And in 2015?", []) == "And in 2015?"
