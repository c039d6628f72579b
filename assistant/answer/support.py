"""Support levels: what an interface may tell a reader about how far the sources back an answer.

Each level is reached only by a check that can fail; a declined answer is never "answered".
"""

from assistant.types import Support, SupportLevel, Verification

LABELS: dict[SupportLevel, str] = {
    "answered": "Answers the question",
    "related": "Related passage only",
    "declined": "Not in the sources",
}


def support_for(abstained: bool, verification: Verification) -> Support:
    """The level of a finished answer: declined, answered when every cited claim checked out,
    related otherwise."""
    if abstained:
        return Support(level="declined", label=LABELS["declined"])
    if verification.status == "verified":
        reasons = ["every cited sentence and figure is in its cited passage"]
        return Support(level="answered", label=LABELS["answered"], reasons=reasons)
    return Support(level="related", label=LABELS["related"])
