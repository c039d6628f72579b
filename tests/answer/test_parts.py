from assistant.answer.draft import REFUSAL, Draft
from assistant.answer.parts import combine, split_parts
from assistant.types import Citation

TWO_PARTS = (
    "Which class are short flights booked in, and how much are hotel costs reimbursed per night?"
)


def test_a_question_with_two_questions_in_it_has_two_parts() -> None:
    assert split_parts(TWO_PARTS) == [
        "Which class are short flights booked in?",
        "how much are hotel costs reimbursed per night?",
    ]
    assert split_parts("How long is the laptop warranty? Who repairs the laptops?") == [
        "How long is the laptop warranty?", "Who repairs the laptops?",
    ]


def test_a_question_with_one_question_in_it_is_left_whole() -> None:
    for question in (
        "How many and which countries signed the agreement?",
        "What did the Huguenots build, and where?",
        "Which tools, and what for?",
        "Which tools are mentioned in the essay? Describe each.",
    ):
        assert split_parts(question) == [question]


def _cited(text: str, quote: str) -> Draft:
    citation = Citation(
        n=1, source="a.txt", title="A", section="", quote=quote, chunk_text=quote, start=0,
        end=len(quote), chunk_id="a:1:0", chunk_start=0,
    )
    return Draft(f"{quote} [1]", [citation], False, "extractive", confidence=0.9)


def test_each_answered_part_keeps_its_own_citation_renumbered() -> None:
    first = _cited("", "Short flights are booked in economy class.")
    second = _cited("", "Hotel costs are reimbursed up to 150 euros per night.")
    draft = combine(["a?", "b?"], [first, second])
    assert draft.text.endswith("economy class. [1] Hotel costs are reimbursed up to 150 euros "
                               "per night. [2]")
    assert [c.n for c in draft.citations] == [1, 2] and draft.confidence == 0.9


def test_a_part_the_sources_do_not_cover_is_named_and_lowers_the_confidence() -> None:
    answered = _cited("", "Short flights are booked in economy class.")
    declined = Draft(REFUSAL, [], True, "extractive")
    draft = combine(["Which class?", "Who pays the taxi?"], [answered, declined])
    assert "do not answer this part: “Who pays the taxi?”" in draft.text
    assert not draft.abstained and draft.confidence == 0.0
    assert combine(["a?", "b?"], [declined, declined]).abstained


def test_every_part_declined_keeps_a_confidence_only_when_each_decline_had_one() -> None:
    low = Draft(REFUSAL, [], True, "extractive", confidence=0.05)
    lower = Draft(REFUSAL, [], True, "extractive", confidence=0.02)
    by_rule = Draft(REFUSAL, [], True, "extractive")
    assert combine(["a?", "b?"], [low, lower]).confidence == 0.05
    assert combine(["a?", "b?"], [low, by_rule]).confidence is None
