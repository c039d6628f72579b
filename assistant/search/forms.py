"""Answer forms: the shape of sentence a question's wording asks for, besides a year or a figure.

"What is the main obstacle…?" is answered by a sentence naming "the primary hurdle"; "How are
these pacts described?" by the words a source puts in quotation marks; "Rather than planning,
what shaped…?" by a sentence that says "not by design but by…". Sentence similarity misses
these shapes; they are answer types (``assistant.search.answer_types``) like "when" wanting a
date, and the re-ranker's fitted weight for a matching answer type covers them.
"""

import re
from dataclasses import dataclass

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


def claims_primacy(text: str) -> bool:
    """ "The primary hurdle is …", not "four main areas"."""
    return _RANKS.search(text) is not None


def quotes_wording(text: str) -> bool:
    """Words the text puts in quotation marks."""
    return _QUOTED.search(text) is not None


def set_aside(text: str) -> list[str]:
    """What a sentence contrasts its point with: "been driven by design" in "… has not been
    driven by design but by the rise of e-commerce platforms"."""
    return [(a or b).strip() for a, b in _CONTRASTED.findall(text) if (a or b).strip()]
