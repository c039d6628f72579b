"""Answer forms: the shape of sentence a question's wording asks for, besides a year or a figure.

"What is the main obstacle…?" is answered by a sentence naming "the primary hurdle"; "How are
these pacts described?" by the words a source puts in quotation marks; "Rather than planning,
what shaped…?" by a sentence that says "not by design but by…". Sentence similarity misses
these shapes, so the re-ranker adds a bonus to a sentence that has the form asked for.
"""

import re
from dataclasses import dataclass

RANK_WEIGHT = 0.25
WORDING_WEIGHT = 0.3
# Scaled by how alike the two set-aside things are: "deliberate planning" and "design" score
# about 0.4 with MiniLM, "deliberate planning" and "specific rules" about 0.2.
CONTRAST_WEIGHT = 0.3

_RANK_WORDS = r"(?:main|primary|chief|principal|biggest|greatest|foremost|most important)"
_ASKS_RANK = re.compile(rf"\b{_RANK_WORDS}\b", re.IGNORECASE)
# A claim of primacy ("the primary hurdle is"), not a count ("into four main areas").
_RANKS = re.compile(rf"\bthe\s+{_RANK_WORDS}\b", re.IGNORECASE)
_ASKS_WORDING = re.compile(
    r"\bhow (?:is|are|was|were|does|do|did)\b[^?]*?\b(?:describ|characteri[sz]|call|term|"
    r"label|portray|dub|refer|defin)\w*|"
    r"\bwhat (?:is|are|was|were)\b[^?]*?\b(?:called|termed|dubbed|labell?ed|known as)\b|"
    r"\bwhat (?:term|phrase|words?|label|slogan)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"“[^”]{3,80}”|\"[^\"]{3,80}\"|‘[^’]{3,80}’")
_ASKS_CONTRAST = re.compile(
    r"\b(?:rather than|instead of|as opposed to)\s+([^,?;]+)", re.IGNORECASE
)
# "not … but" sets something aside; "not only … but" does not.
_CONTRASTED = re.compile(
    r"\bnot\b(?!\s+only\b)([^.;:]{1,80}?)\bbut\b|"
    r"\b(?:rather than|instead of|as opposed to)\s+([^,.;:—]+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AskedForm:
    """The forms a question asks for; ``rejected`` is what it sets aside ("deliberate
    planning" in "Rather than deliberate planning, what shaped…?")."""

    ranked: bool = False
    wording: bool = False
    rejected: str = ""


def asked_form(question: str) -> AskedForm:
    contrast = _ASKS_CONTRAST.search(question)
    return AskedForm(
        ranked=bool(_ASKS_RANK.search(question)),
        wording=bool(_ASKS_WORDING.search(question)),
        rejected=contrast.group(1).strip() if contrast else "",
    )


def form_bonus(form: AskedForm, text: str) -> float:
    """The bonus for the rank and wording forms; the contrast form needs embeddings."""
    bonus = RANK_WEIGHT if form.ranked and _RANKS.search(text) else 0.0
    return bonus + (WORDING_WEIGHT if form.wording and _QUOTED.search(text) else 0.0)


def contrast_bonus(likeness: float) -> float:
    """The bonus for a sentence whose set-aside thing is this alike to the question's."""
    return CONTRAST_WEIGHT * max(0.0, likeness)


def set_aside(text: str) -> list[str]:
    """What a sentence contrasts its point with: "been driven by design" in "… has not been
    driven by design but by the rise of e-commerce platforms"."""
    return [(a or b).strip() for a, b in _CONTRASTED.findall(text) if (a or b).strip()]
