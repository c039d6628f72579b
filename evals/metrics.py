"""Summary metrics over case results, overall and per tag."""

from collections.abc import Sequence

import numpy as np

from evals.runs import CaseResult

GATED_METRICS = (
    "pass_rate",
    "fact_accuracy",
    "citation_support",
    "abstention_precision",
    "abstention_recall",
    "retrieval_recall_at_k",
    "mrr",
)
METRICS = (*GATED_METRICS, "answer_chars_mean", "latency_ms_p50", "latency_ms_p95")
Metrics = dict[str, float | int | None]


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(float(np.mean(present)), 4) if present else None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def metrics(results: Sequence[CaseResult]) -> Metrics:
    """Abstention counts every run (an unanswerable case abstaining in 2 of 3 runs scores 2/3)."""
    abstained = sum(r.runs["abstained"] for r in results)
    correct_abstentions = sum(r.runs["abstained"] for r in results if not r.answerable)
    unanswerable_runs = sum(r.runs["count"] for r in results if not r.answerable)
    latencies = [ms for r in results for ms in r.runs["latency_ms"]]
    passed = sum(r.passed for r in results)
    return {
        "cases": len(results),
        "passed": passed,
        "failed": len(results) - passed,
        "pass_rate": _ratio(passed, len(results)),
        "fact_accuracy": _mean([r.scores["fact"] for r in results]),
        "citation_support": _mean([r.scores["citation"] for r in results]),
        "abstention_precision": _ratio(correct_abstentions, abstained),
        "abstention_recall": _ratio(correct_abstentions, unanswerable_runs),
        "retrieval_recall_at_k": _mean([r.scores["retrieval_recall"] for r in results]),
        "mrr": _mean([r.scores["reciprocal_rank"] for r in results]),
        "answer_chars_mean": _mean([r.scores["answer_chars"] for r in results if r.answerable]),
        "latency_ms_p50": _percentile(latencies, 50),
        "latency_ms_p95": _percentile(latencies, 95),
    }


def summarise(results: Sequence[CaseResult]) -> dict[str, object]:
    """Metrics over every case, and the same metrics for each tag's cases."""
    tags = sorted({tag for r in results for tag in r.tags})
    by_tag = {tag: metrics([r for r in results if tag in r.tags]) for tag in tags}
    return {**metrics(results), "by_tag": by_tag}
