"""Checks on a finished answer: every claim (``claims.answer_claims``) is backed by the passages
it cites, and every figure is in the sources.

A cited claim is unsupported when a figure is not in its cited passages, when too few of its key
words are there, when it negates or reverses what the closest cited sentence says, when it
carries a link or a status symbol the cited passages lack, or when it is too long to check as one
claim. A claim without a marker is unsupported ("no citation"); its figures are looked up in
every retrieved passage, so a figure the sources do hold is never reported as made up.
"""

import re
import unicodedata
from collections.abc import Sequence

from assistant.checks.claims import MARKER, answer_claims, bare, cited_numbers
from assistant.checks.numbers import extract_figures, unsupported
from assistant.knowledge.chunking import sentence_spans
from assistant.search.question import key_terms, stems_of
from assistant.text import negates
from assistant.types import Citation, SentenceCheck, Verification, VerificationStatus

__all__ = ["MARKER", "verify"]

MIN_TERM_SUPPORT = 0.6
# A claim longer than this is not one claim: a run-on or looping reply.
MAX_CLAIM_WORDS = 80
# Change in one direction or the other, for claims that reverse their source.
_RISE = re.compile(
    r"\b(?:rise[sn]?|rising|rose|increas\w*|gr[eo]w(?:s|n|ing)?|growth|expand\w*|gain(?:s|ed)?|"
    r"surg\w*|higher)\b",
    re.IGNORECASE,
)
_FALL = re.compile(
    r"\b(?:fall(?:s|en|ing)?|fell|decreas\w*|declin\w*|drop(?:s|ped|ping)?|shr[iau]nk\w*|"
    r"contract(?:s|ed|ing|ion)?|lower)\b",
    re.IGNORECASE,
)
_LINK = re.compile(
    r"(?:https?://|www\.)[^\s<>\]\[)(\"']+|\b(?:[a-z0-9-]+\.)+[a-z]{2,24}(?:/[^\s<>\]\[)(\"']*)?",
    re.IGNORECASE,
)
_SHORTCODE = re.compile(r":[a-z0-9_+-]{2,}:")


def _symbols(text: str) -> set[str]:
    """Emoji, pictographs and ``:shortcode:`` symbols ("✅", ":white_check_mark:")."""
    found = {ch for ch in text if unicodedata.category(ch) == "So"}
    return found | set(_SHORTCODE.findall(text))


def _closest_sentence(claim: str, cited: list[Citation]) -> str:
    """The sentence of the cited passages that shares most key words with the claim, the
    claim itself first when a passage holds it word for word. A quote of several sentences is
    split: whole, it would share the most words with each of them, and a negation in one
    would be laid on the others."""
    terms = set(key_terms(claim))
    wanted = " ".join(claim.split())
    sentences = [
        text[a:b] for text in [c.quote for c in cited] + [c.chunk_text for c in cited]
        for a, b in sentence_spans(text)
    ]
    return max(
        sentences,
        key=lambda s: (len(terms & stems_of(s)), " ".join(s.split()) == wanted),
        default="",
    )


def _contradiction(claim: str, cited: list[Citation]) -> str:
    source = _closest_sentence(claim, cited)
    if negates(claim) != negates(source):
        return "its negation differs from the cited sentence"
    for one, other in ((_RISE, _FALL), (_FALL, _RISE)):
        if one.search(claim) and not other.search(claim) and other.search(source) and not (
            one.search(source)
        ):
            return "it reverses the direction the cited sentence gives"
    return ""


def _foreign(claim: str, evidence: str) -> str:
    """A link or symbol in the claim that the cited passages do not have."""
    lowered = evidence.lower()
    links = [m.rstrip(".,;:!?") for m in _LINK.findall(claim)]
    missing = [link for link in links if link.lower() not in lowered]
    if missing:
        return "a link not in the cited passage: " + ", ".join(missing)
    symbols = sorted(_symbols(claim) - _symbols(evidence))
    return "a symbol not in the cited passage: " + " ".join(symbols) if symbols else ""


def _figure_reason(claim: str, evidence: str, everywhere: str) -> tuple[str, list[str]]:
    """Why the claim's figures fail, and which of them no retrieved passage holds."""
    missing = unsupported(extract_figures(claim), extract_figures(evidence))
    absent = unsupported(missing, extract_figures(everywhere))
    if absent:
        return "figures not in the sources: " + ", ".join(f.text for f in absent), [
            f.text for f in absent
        ]
    if missing:
        return "figures not in the cited passages (another source has them): " + ", ".join(
            f.text for f in missing
        ), []
    return "", []


def _reason(claim: str, cited: list[Citation], everywhere: str) -> tuple[str, list[str]]:
    evidence = " ".join(f"{c.quote} {c.chunk_text}" for c in cited)
    if not cited:
        absent = unsupported(extract_figures(claim), extract_figures(everywhere))
        return "no citation", [f.text for f in absent]
    words = len(claim.split())
    if words > MAX_CLAIM_WORDS:
        return f"too long to check as one claim ({words} words)", []
    reason, missing = _figure_reason(claim, evidence, everywhere)
    if reason:
        return reason, missing
    terms = key_terms(claim)
    backed = stems_of(evidence)
    share = sum(t in backed for t in terms) / len(terms) if terms else 1.0
    if share < MIN_TERM_SUPPORT:
        return f"only {share:.0%} of its key words appear in the cited passages", []
    return _foreign(claim, evidence) or _contradiction(claim, cited), []


def verify(
    text: str, citations: list[Citation], abstained: bool, passages: Sequence[str] = ()
) -> Verification:
    """Check every claim of ``text``. ``passages`` are all retrieved chunks (default: the cited
    ones): a figure found in none of them is listed in ``unsupported_numbers``. In an abstention,
    claims without a marker (the refusal and what it says is missing) are not checked, and the
    status is "abstained" whatever its cited near miss gives."""
    by_number = {c.n: c for c in citations}
    everywhere = " ".join([*passages, *(c.chunk_text for c in citations)])
    checks: list[SentenceCheck] = []
    unsupported_numbers: list[str] = []
    claims = answer_claims(text)
    for index, claim in enumerate(claims):
        markers = cited_numbers(claim)
        if abstained and not markers:
            continue
        quoting = [] if markers else _quoted_by_next(claim, claims[index + 1 :], by_number)
        if quoting:
            checks.append(SentenceCheck(sentence=bare(claim), citations=quoting, supported=True))
            continue
        cited = [by_number[n] for n in dict.fromkeys(markers) if n in by_number]
        reason, absent = _reason(bare(claim), cited, everywhere)
        checks.append(
            SentenceCheck(sentence=bare(claim), citations=markers, supported=not reason,
                          reason=reason)
        )
        unsupported_numbers.extend(n for n in absent if n not in unsupported_numbers)
    return Verification(
        status=_status(checks, abstained), sentences=checks,
        unsupported_numbers=unsupported_numbers,
    )


def _quoted_by_next(
    claim: str, rest: list[str], by_number: dict[int, Citation]
) -> list[int]:
    """The markers of the next cited claim when a claim without a marker is a line of the
    verbatim quote it ends ("Restart the worker with:" above a command, the lines of a code
    block); [] otherwise."""
    following = next((found for c in rest if (found := cited_numbers(c))), [])
    line = re.compile(rf"(?<!\w){re.escape(_collapsed(bare(claim)))}(?!\w)")
    quoted = any(line.search(_collapsed(by_number[n].quote)) for n in following if n in by_number)
    return following if quoted else []


def _collapsed(text: str) -> str:
    return " ".join(text.strip(" “”\"'").split())


def _status(checks: list[SentenceCheck], abstained: bool) -> VerificationStatus:
    if abstained:
        return "abstained"
    if checks and all(c.supported for c in checks):
        return "verified"
    return "partially_verified" if any(c.supported for c in checks) else "unverified"
