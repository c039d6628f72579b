"""Running cases through ``assistant.ask``, the call every interface uses, and scoring each run."""

import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from assistant import ask
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import IngestReport, sync
from assistant.search.retrieve import search
from assistant.types import Answer, Stamp
from evals.cases import Case
from evals.scoring import Failure, RunScore, error_run, score_run

Progress = Callable[[str, int, int], None]
SCORE_NAMES = (
    "fact",
    "citation",
    "retrieval_recall",
    "reciprocal_rank",
    "answer_chars",
    "latency_ms",
)


class CaseResult(BaseModel):
    """A case after ``repeat`` runs: the majority verdict, one representative run, the spread."""

    id: str
    file: str
    question: str
    history: list[dict[str, str]]
    tags: list[str]
    answerable: bool
    passed: bool
    failures: list[Failure]
    answer: str
    standalone_question: str
    abstained: bool
    citations: list[dict[str, str | int]]
    scores: dict[str, float | None]
    runs: dict[str, Any]


def prepare_knowledge(
    settings: Settings, progress: Progress | None = None
) -> tuple[KnowledgeBase, IngestReport]:
    """The knowledge base in step with the knowledge dir: only new or changed files are embedded."""
    kb = KnowledgeBase(settings)
    report = sync(kb, None, progress)
    if not report.documents:
        raise AssistantError(
            f"The knowledge dir {settings.knowledge_dir}/ holds no documents to evaluate."
        )
    return kb, report


def run_once(case: Case, kb: KnowledgeBase, k: int) -> tuple[RunScore, Stamp | None]:
    started = time.perf_counter()
    try:
        answer: Answer = ask(case.question, history=case.history, knowledge=kb, k=k)
    except AssistantError as exc:
        return error_run(case, exc, (time.perf_counter() - started) * 1000), None
    latency_ms = (time.perf_counter() - started) * 1000
    passages = (
        [hit.text for hit in search(kb, answer.standalone_question, k).hits] if case.cite else []
    )
    return score_run(case, answer, passages, latency_ms), answer.stamp


def combine(case: Case, runs: list[RunScore]) -> CaseResult:
    """The majority verdict (a tie fails) and the first run that agrees with it."""
    passes = sum(run.passed for run in runs)
    passed = passes * 2 > len(runs)
    shown = next(run for run in runs if run.passed == passed)
    return CaseResult(
        id=case.id,
        file=case.file,
        question=case.question,
        history=[turn.model_dump() for turn in case.history],
        tags=case.tags,
        answerable=case.answerable,
        passed=passed,
        failures=shown.failures,
        answer=shown.answer,
        standalone_question=shown.standalone_question,
        abstained=shown.abstained,
        citations=shown.citations,
        scores={name: _mean(runs, name) for name in SCORE_NAMES},
        runs={
            "count": len(runs),
            "passed": passes,
            "pass_rate": round(passes / len(runs), 3),
            "distinct_answers": len({run.answer for run in runs}),
            "abstained": sum(run.abstained for run in runs),
            "latency_ms": [run.latency_ms for run in runs],
        },
    )


def _mean(runs: Sequence[RunScore], name: str) -> float | None:
    values = [v for v in (getattr(run, name) for run in runs) if v is not None]
    return round(sum(values) / len(values), 4) if values else None


def run_cases(
    cases: Sequence[Case],
    kb: KnowledgeBase,
    *,
    repeat: int = 1,
    k: int | None = None,
    progress: Progress | None = None,
) -> tuple[list[CaseResult], Stamp | None]:
    """Every case ``repeat`` times; also the stamp of the answers (None if every run failed)."""
    k = k or kb.settings.top_k
    results: list[CaseResult] = []
    stamp: Stamp | None = None
    for done, case in enumerate(cases):
        if progress:
            progress(case.id, done, len(cases))
        runs: list[RunScore] = []
        for _ in range(repeat):
            run, run_stamp = run_once(case, kb, k)
            runs.append(run)
            stamp = stamp or run_stamp
        results.append(combine(case, runs))
    if progress:
        progress("", len(cases), len(cases))
    return results, stamp
