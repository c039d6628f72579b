"""The regression gate: compare a run with the committed baseline and decide the exit code."""

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from assistant.types import Stamp
from evals.cases import FixtureError
from evals.metrics import GATED_METRICS
from evals.runs import CaseResult

BASELINE_PATH = Path(__file__).with_name("baseline.json")
BASELINE_FORMAT = "cited-assistant-eval-baseline/1"
EXIT_REGRESSED = 1
EXIT_CORPUS_CHANGED = 3


class BaselineCase(BaseModel):
    passed: bool
    failures: list[str] = Field(default_factory=list)


class Baseline(BaseModel):
    """Per-case verdicts with what produced them, and the floors the summary must stay above."""

    format: str = BASELINE_FORMAT
    created_at: str
    corpus_fingerprint: str
    stamp: Stamp | None
    thresholds: dict[str, float]
    summary: dict[str, Any]
    cases: dict[str, BaselineCase]


class Problem(BaseModel):
    id: str
    reason: str


class GateResult(BaseModel):
    passed: bool
    baseline: str | None
    corpus_changed: bool = False
    notes: list[str] = Field(default_factory=list)
    regressions: list[Problem] = Field(default_factory=list)
    new_failures: list[Problem] = Field(default_factory=list)
    below_threshold: list[Problem] = Field(default_factory=list)
    exit_code: int = 0


def load_baseline(path: Path) -> Baseline:
    try:
        return Baseline.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FixtureError(
            f"{path}: cannot read the baseline ({exc.strerror}); create it with --update-baseline"
        ) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "file"
        raise FixtureError(f"{path}: not a valid baseline: {where}: {first['msg']}") from None


def _reason(result: CaseResult) -> str:
    return "; ".join(f.message for f in result.failures)


def _config_changes(before: Stamp | None, now: Stamp | None) -> list[str]:
    if before is None or now is None:
        return []
    old, new = before.model_dump(), now.model_dump()
    return [
        f"{name} changed since the baseline: {old[name]!r} -> {new[name]!r}"
        for name in old
        if name != "corpus_fingerprint" and old[name] != new[name]
    ]


def _below(summary: dict[str, Any], thresholds: dict[str, float]) -> list[Problem]:
    return [
        Problem(id=metric, reason=f"{metric} is {summary.get(metric)}, below its threshold {floor}")
        for metric, floor in sorted(thresholds.items())
        if summary.get(metric) is None or summary[metric] < floor
    ]


def check(
    results: Sequence[CaseResult],
    summary: dict[str, Any],
    fingerprint: str,
    stamp: Stamp | None,
    baseline: Baseline | None,
    baseline_path: Path | None = None,
) -> GateResult:
    """Without a baseline every failing case fails the gate; with one, only what got worse."""
    failing = [r for r in results if not r.passed]
    if baseline is None:
        problems = [Problem(id=r.id, reason=_reason(r)) for r in failing]
        return GateResult(
            passed=not problems,
            baseline=None,
            new_failures=problems,
            exit_code=EXIT_REGRESSED if problems else 0,
        )
    gate = GateResult(passed=True, baseline=str(baseline_path) if baseline_path else None)
    gate.corpus_changed = baseline.corpus_fingerprint != fingerprint
    if gate.corpus_changed:
        gate.notes.append(
            "the corpus changed since the baseline"
            f" ({baseline.corpus_fingerprint} -> {fingerprint}): failures below may come"
            " from the documents, not from the model; review them and run with --update-baseline"
        )
    gate.notes.extend(_config_changes(baseline.stamp, stamp))
    for result in failing:
        known = baseline.cases.get(result.id)
        if known is None:
            gate.new_failures.append(
                Problem(id=result.id, reason=f"not in the baseline; {_reason(result)}")
            )
        elif known.passed:
            gate.regressions.append(Problem(id=result.id, reason=_reason(result)))
    gate.below_threshold = _below(summary, baseline.thresholds)
    if gate.regressions or gate.new_failures or gate.below_threshold:
        gate.passed = False
        gate.exit_code = EXIT_CORPUS_CHANGED if gate.corpus_changed else EXIT_REGRESSED
    return gate


def new_baseline(
    results: Sequence[CaseResult],
    summary: dict[str, Any],
    fingerprint: str,
    stamp: Stamp | None,
    previous: Baseline | None,
) -> Baseline:
    """Each threshold is today's value rounded down, or the previous threshold if that is lower.

    So an accepted run always meets its own baseline, and a bar lowered by hand stays lowered.
    """
    earlier = previous.thresholds if previous else {}
    floors = {
        metric: math.floor(summary[metric] * 100) / 100
        for metric in GATED_METRICS
        if summary.get(metric) is not None
    }
    thresholds = {name: min(floor, earlier.get(name, floor)) for name, floor in floors.items()}
    return Baseline(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        corpus_fingerprint=fingerprint,
        stamp=stamp,
        thresholds=thresholds,
        summary={key: value for key, value in summary.items() if key != "by_tag"},
        cases={
            r.id: BaselineCase(passed=r.passed, failures=[f.message for f in r.failures])
            for r in results
        },
    )


def save_baseline(baseline: Baseline, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(baseline.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


def describe(gate: GateResult) -> list[str]:
    """What to print: notes, then every problem with its reason."""
    lines = [f"note: {note}" for note in gate.notes]
    label = "changed with the corpus" if gate.corpus_changed else "regressed"
    lines += [f"{label}: {p.id}: {p.reason}" for p in gate.regressions]
    lines += [f"failed: {p.id}: {p.reason}" for p in gate.new_failures]
    lines += [f"below threshold: {p.reason}" for p in gate.below_threshold]
    return lines
