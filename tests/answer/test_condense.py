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


def test_a_follow_up_asking_its_own_question_keeps_it_and_borrows_only_the_topic() -> None:
    history = [
        Turn(role="user", content="When did China apply to join the CPTPP and DEPA?"),
        Turn(role="assistant", content="In 2021 [1]."),
    ]
    question = condense("What is the main thing standing in the way of its joining them?", history)
    assert question.startswith("What is the main thing standing in the way")
    assert "China apply to join the CPTPP and DEPA" in question
    assert "When" not in question
