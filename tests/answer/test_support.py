from assistant.answer.support import summary_support, support_for
from assistant.types import SentenceCheck, Verification

CHECKED = Verification(
    status="verified", sentences=[SentenceCheck(sentence="A.", citations=[1], supported=True)]
)
UNCHECKED = Verification(
    status="unverified",
    sentences=[SentenceCheck(sentence="A.", citations=[1], supported=False, reason="figure")],
)


def test_answered_needs_both_the_fitted_confidence_and_every_claim_checked() -> None:
    assert support_for(False, CHECKED, 0.9, 0.8).level == "answered"
    assert support_for(False, CHECKED, 0.7, 0.8).level == "related"
    assert support_for(False, UNCHECKED, 0.99, 0.8).level == "related"


def test_without_a_confidence_estimate_an_answer_is_never_answered() -> None:
    support = support_for(False, CHECKED, None, 0.0)
    assert support.level == "related" and "no confidence estimate" in support.reasons[1]


def test_a_decline_is_declined_whatever_else_holds() -> None:
    assert support_for(True, CHECKED, 0.99, 0.1).level == "declined"


def test_a_decline_says_whether_a_rule_or_the_fitted_confidence_made_it() -> None:
    by_confidence = support_for(True, Verification(status="abstained"), 0.0614, 1.0, 0.135)
    assert by_confidence.confidence == 0.061
    assert by_confidence.reasons == [
        "confidence that the nearest passage answers the question: 0.061 "
        "(below the decline threshold 0.135)"]
    by_rule = support_for(True, Verification(status="abstained"), None, 1.0, 0.135)
    assert by_rule.reasons == [
        "no passage meets what the question asks for: a name, year or figure it names, or its topic"
    ]


def test_the_reasons_say_what_was_checked_and_the_threshold() -> None:
    support = support_for(False, CHECKED, 0.912, 0.85)
    assert support.confidence == 0.912
    assert support.reasons == [
        "every cited sentence and figure is in its cited passage",
        "confidence that the passage answers the question: 0.91 (at or above 0.85)",
    ]


def test_a_summary_never_claims_to_answer_and_is_related_when_a_quote_is_missing() -> None:
    assert summary_support(CHECKED).level == "summary"
    assert summary_support(CHECKED).label == "Summary of the sources"
    assert summary_support(UNCHECKED).level == "related"
