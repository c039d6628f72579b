"""Checks on a finished answer: every marker points at a source, every figure and every cited
sentence is backed by the passages it cites."""

import re

from assistant.checks.numbers import extract_figures, unsupported
from assistant.knowledge.chunking import sentence_spans
from assistant.search.question import key_terms, stems_of
from assistant.types import Citation, SentenceCheck, Verification

MARKER = re.compile(r"\s?\[(\d+)\]")
MIN_TERM_SUPPORT = 0.6


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


def _check_sentence(sentence: str, cited: list[Citation]) -> tuple[SentenceCheck, list[str]]:
    markers = [int(n) for n in MARKER.findall(sentence)]
    claim = MARKER.sub("", sentence).strip()
    evidence = " ".join(f"{c.quote} {c.chunk_text}" for c in cited)
    missing_figures = unsupported(extract_figures(claim), extract_figures(evidence))
    numbers = [f.text for f in missing_figures]
    if not cited:
        return SentenceCheck(
            sentence=claim, citations=markers, supported=False, reason="no citation"
        ), numbers
    if numbers:
        reason = "figures not in the cited passages: " + ", ".join(numbers)
        return SentenceCheck(
            sentence=claim, citations=markers, supported=False, reason=reason
        ), numbers
    terms = key_terms(claim)
    backed = stems_of(evidence)
    share = sum(t in backed for t in terms) / len(terms) if terms else 1.0
    if share < MIN_TERM_SUPPORT:
        reason = f"only {share:.0%} of its key words appear in the cited passages"
        return SentenceCheck(
            sentence=claim, citations=markers, supported=False, reason=reason
        ), numbers
    return SentenceCheck(sentence=claim, citations=markers, supported=True), numbers


_LEADING_MARKERS = re.compile(r"^((?:\[\d+\]\s*)+)")


def answer_sentences(text: str) -> list[str]:
    """Sentences of an answer, each keeping the markers that follow it ("... 2015. [1]")."""
    sentences: list[str] = []
    for start, end in sentence_spans(text):
        piece = text[start:end]
        leading = _LEADING_MARKERS.match(piece)
        if leading and sentences:
            sentences[-1] += " " + leading.group(1).strip()
            piece = piece[leading.end() :]
        if piece.strip():
            sentences.append(piece)
    return sentences


def verify(text: str, citations: list[Citation], abstained: bool) -> Verification:
    by_number = {c.n: c for c in citations}
    checks: list[SentenceCheck] = []
    unsupported_numbers: list[str] = []
    for sentence in answer_sentences(text):
        if abstained and not MARKER.search(sentence):
            continue
        cited = [by_number[int(n)] for n in MARKER.findall(sentence) if int(n) in by_number]
        check, numbers = _check_sentence(sentence, cited)
        checks.append(check)
        unsupported_numbers.extend(n for n in numbers if n not in unsupported_numbers)
    if abstained:
        status = "abstained"
    elif checks and all(c.supported for c in checks):
        status = "verified"
    elif any(c.supported for c in checks):
        status = "partially_verified"
    else:
        status = "unverified"
    return Verification(status=status, sentences=checks, unsupported_numbers=unsupported_numbers)
