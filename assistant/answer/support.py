"""Support levels: what an interface may tell a reader about how far the sources back an answer.

Each level is reached only by checks that can fail:
- ``answered``: the fitted confidence that the cited passage answers the question is at least
  the threshold chosen on held-out public data for 97% precision (``assistant.search.fitted``),
  and every cited sentence and figure was found in its cited passage;
- ``related``: an answer was given but one of those checks did not pass: the passage is about
  the question's topic and may not answer it;
- ``summary``: a summary (it asks for no fact) whose every sentence was found in its cited
  passage; one that was not is ``related``. It never claims to answer anything;
- ``declined``: the assistant said the sources do not answer.
"""

from assistant.types import Support, SupportLevel, Verification

LABELS: dict[SupportLevel, str] = {
    "answered": "Answers the question",
    "related": "Related passage only",
    "summary": "Summary of the sources",
    "declined": "Not in the sources",
}


def support_for(
    abstained: bool,
    verification: Verification,
    confidence: float | None = None,
    answered_from: float = 1.0,
    decline_below: float = 0.0,
) -> Support:
    """The level of a finished answer; ``confidence`` is the fitted probability (None when
    nothing estimated it, which never reaches "answered")."""
    shown = None if confidence is None else round(confidence, 3)
    if abstained:
        return Support(level="declined", label=LABELS["declined"], confidence=shown,
                       reasons=[_why_declined(shown, decline_below)])
    checked = verification.status == "verified"
    confident = confidence is not None and confidence >= answered_from
    reasons = [
        "every cited sentence and figure is in its cited passage"
        if checked
        else "a sentence or figure could not be found in its cited passage",
        f"confidence that the passage answers the question: {shown:.2f} "
        f"({'at or above' if confident else 'below'} {answered_from:.2f})"
        if shown is not None
        else "no confidence estimate for this answer",
    ]
    level: SupportLevel = "answered" if checked and confident else "related"
    return Support(level=level, label=LABELS[level], confidence=shown, reasons=reasons)


def _why_declined(confidence: float | None, decline_below: float) -> str:
    if confidence is None:
        return (
            "no passage meets what the question asks for: a name, year or figure it names, or "
            "its topic"
        )
    return (
        f"confidence that the nearest passage answers the question: {confidence:.3f} "
        f"(below the decline threshold {decline_below:.3f})"
    )


def summary_support(verification: Verification) -> Support:
    """A summary asks for no fact, so it never reaches "answered": it is "summary" when every
    sentence it states was found in its cited passage, "related" otherwise."""
    if verification.status == "verified":
        reasons = ["a summary: every sentence was found in its cited passage"]
        return Support(level="summary", label=LABELS["summary"], reasons=reasons)
    reasons = ["a summary sentence could not be found in its cited passage"]
    return Support(level="related", label=LABELS["related"], reasons=reasons)
