"""Scoring one answer against its case: facts, citations, abstention and retrieval."""

import re
from collections.abc import Sequence

from pydantic import BaseModel

from assistant.checks.numbers import normalise_for_match
from assistant.types import Answer, Citation
from evals.cases import Case, Expectation

SHOWN_CHARS = 300


class Failure(BaseModel):
    """One unmet check: what the case expected and what came back."""

    check: str  # "fact", "citation", "abstention" or "error"
    expected: str
    got: str

    @property
    def message(self) -> str:
        return f"{self.check}: expected {self.expected}; got {self.got}"


class RunScore(BaseModel):
    """One run of one case; the scores are None where the case does not measure them."""

    answer: str
    standalone_question: str
    abstained: bool
    citations: list[dict[str, str | int]]
    failures: list[Failure]
    fact: float | None
    citation: float | None
    retrieval_recall: float | None
    reciprocal_rank: float | None
    answer_chars: int
    latency_ms: float

    @property
    def passed(self) -> bool:
        return not self.failures


def contains(text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` as whole words, both normalised.

    Whole words, so that "27 percent" is not found in "127 percent".
    """
    needle = re.escape(normalise_for_match(phrase))
    pattern = rf"(?<![a-z0-9]){needle}(?![a-z0-9])"
    return re.search(pattern, normalise_for_match(text)) is not None


def found(text: str, entry: Expectation) -> bool:
    alternatives = [entry] if isinstance(entry, str) else entry
    return any(contains(text, alternative) for alternative in alternatives)


def describe(entry: Expectation) -> str:
    if isinstance(entry, str):
        return f'"{entry}"'
    return "one of " + " | ".join(f'"{a}"' for a in entry)


def shorten(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def supported(cite: str, citations: Sequence[Citation]) -> bool:
    """A cite string is supported when a cited quote or chunk holds it, after normalisation."""
    needle = normalise_for_match(cite)
    return any(
        needle in normalise_for_match(c.quote) or needle in normalise_for_match(c.chunk_text)
        for c in citations
    )


def first_rank(cite: str, passages: Sequence[str]) -> int | None:
    """The 1-based rank of the first retrieved passage holding ``cite``."""
    needle = normalise_for_match(cite)
    for rank, passage in enumerate(passages, start=1):
        if needle in normalise_for_match(passage):
            return rank
    return None


def fact_failures(case: Case, answer: Answer) -> list[Failure]:
    got = f'"{shorten(answer.answer)}"'
    return [
        Failure(check="fact", expected=f"{describe(entry)} in the answer", got=got)
        for entry in case.expect
        if not found(answer.answer, entry)
    ]


def citation_failures(case: Case, answer: Answer) -> list[Failure]:
    quotes = "; ".join(f'[{c.n}] "{shorten(c.quote)}"' for c in answer.citations)
    got = quotes or "no citations"
    return [
        Failure(check="citation", expected=f'a cited passage containing "{cite}"', got=got)
        for cite in case.cite
        if not supported(cite, answer.citations)
    ]


def abstention_failures(case: Case, answer: Answer) -> list[Failure]:
    if case.answerable and answer.abstained:
        return [
            Failure(
                check="abstention",
                expected="an answer",
                got=f'an abstention: "{shorten(answer.answer)}"',
            )
        ]
    if not case.answerable and not answer.abstained:
        return [
            Failure(
                check="abstention",
                expected="an abstention (the sources do not answer this)",
                got=f'an answer: "{shorten(answer.answer)}"',
            )
        ]
    return []


def score_run(case: Case, answer: Answer, passages: Sequence[str], latency_ms: float) -> RunScore:
    """Score an answer; ``passages`` are the retrieved chunk texts, best first."""
    facts = fact_failures(case, answer)
    cites = citation_failures(case, answer)
    ranks = [first_rank(cite, passages) for cite in case.cite]
    return RunScore(
        answer=answer.answer,
        standalone_question=answer.standalone_question,
        abstained=answer.abstained,
        citations=[
            {"n": c.n, "source": c.source, "section": c.section, "quote": c.quote}
            for c in answer.citations
        ],
        failures=[*abstention_failures(case, answer), *facts, *cites],
        fact=float(not facts) if case.expect else None,
        citation=float(not cites) if case.cite else None,
        retrieval_recall=sum(r is not None for r in ranks) / len(ranks) if ranks else None,
        reciprocal_rank=sum(1 / r for r in ranks if r) / len(ranks) if ranks else None,
        answer_chars=len(answer.answer),
        latency_ms=round(latency_ms, 1),
    )


def error_run(case: Case, error: Exception, latency_ms: float) -> RunScore:
    """A run whose ``ask`` raised: every measured score is zero."""
    return RunScore(
        answer="",
        standalone_question=case.question,
        abstained=False,
        citations=[],
        failures=[
            Failure(check="error", expected="an answer", got=f"{type(error).__name__}: {error}")
        ],
        fact=0.0 if case.expect else None,
        citation=0.0 if case.cite else None,
        retrieval_recall=None,
        reciprocal_rank=None,
        answer_chars=0,
        latency_ms=round(latency_ms, 1),
    )
