"""An answer as claims: split at every sentence end and every line break, each claim keeping the
citation markers that follow it ("... 2015. [1]").

Text after a sentence's end is a claim of its own whatever its case ("[1]. and then ..."), so
nothing written after a cited sentence rides on that sentence's citation.
"""

import re

from assistant.checks.numbers import list_numbering

MARKER = re.compile(r"\s?\[(\d+)\]")
# A sentence ends at . ! or ?, maybe closed by quotes or brackets and followed by markers, then
# whitespace or the end. Abbreviations ("U.S.", "e.g.", "Mr.") and decimals do not end one.
_END = re.compile(r"[.!?]+[\"”’')\]]*(?:\s?\[\d+\])*(?=\s|$)")
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs mr mrs ms dr prof st no inc co ltd corp approx fig jan feb mar apr jun jul "
    "aug sep sept oct nov dec".split()
)
_ONLY_MARKERS = re.compile(r"^(?:\s*\[\d+\])+\s*$")


def strip_unknown_markers(text: str, known: set[int]) -> tuple[str, list[int]]:
    """Remove markers such as [9] that point at no source; returns the text and what went."""
    removed: list[int] = []

    def keep(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n in known:
            return match.group(0)
        removed.append(n)
        return ""

    return MARKER.sub(keep, text), sorted(set(removed))


def _is_abbreviation(line: str, end: int) -> bool:
    """Whether the period at ``end`` closes an abbreviation rather than a sentence."""
    if line[end] != ".":
        return False
    word = re.search(r"([\w.]+)$", line[:end])
    if not word:
        return False
    token = word.group(1).lower().strip(".")
    if not token or re.fullmatch(r"[\d.,]+", token):
        return False
    if token in _ABBREVIATIONS:
        return True
    parts = token.split(".")
    initials = all(len(p) <= 2 and p.isalpha() for p in parts)
    return initials and (len(parts) > 1 or len(token) == 1)


def _line_claims(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    numbering = list_numbering(line)
    for match in _END.finditer(line):
        at = match.start()
        if _is_abbreviation(line, at) or any(a <= at < b for a, b in numbering):
            continue
        pieces.append(line[start : match.end()])
        start = match.end()
    pieces.append(line[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def answer_claims(text: str) -> list[str]:
    """The claims of an answer, in order, with their markers; markers standing alone (on their
    own line, or after the sentence end) join the claim before them."""
    claims: list[str] = []
    for line in text.splitlines():
        for piece in _line_claims(line):
            if _ONLY_MARKERS.match(piece) and claims:
                claims[-1] += " " + piece.strip()
            elif MARKER.sub("", piece).strip(" .!?\"'”’()"):
                claims.append(piece)
    return claims


def cited_numbers(claim: str) -> list[int]:
    return [int(n) for n in MARKER.findall(claim)]


def bare(claim: str) -> str:
    """A claim without its markers, as checks report it and pages find it in the answer."""
    return MARKER.sub("", claim).strip()
