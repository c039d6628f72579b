"""The reports of a run: JSON with a stable schema, a self-contained HTML page, the run history."""

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.charts import Chart, histogram, ratio_bars, trend

REPORT_FORMAT = "cited-assistant-eval/1"
RESULTS_DIR = Path(__file__).with_name("results")
TEMPLATES_DIR = Path(__file__).with_name("templates")
TREND_RUNS = 10
TOP_KEYS = ("format", "run", "summary", "gate", "cases")
RUN_KEYS = (
    "started_at",
    "duration_s",
    "repeat",
    "k",
    "fixtures",
    "knowledge_dir",
    "corpus_fingerprint",
    "stamp",
)
CASE_KEYS = (
    "id",
    "file",
    "question",
    "history",
    "tags",
    "answerable",
    "passed",
    "failures",
    "answer",
    "standalone_question",
    "abstained",
    "citations",
    "scores",
    "runs",
)
CHARTED_METRICS = (
    ("pass_rate", "Pass rate"),
    ("fact_accuracy", "Fact accuracy"),
    ("citation_support", "Citation support"),
    ("retrieval_recall_at_k", "Retrieval recall@k"),
    ("mrr", "MRR"),
    ("abstention_recall", "Abstention recall"),
)


def build_report(
    run: dict[str, Any],
    summary: dict[str, Any],
    gate: dict[str, Any],
    cases: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The report in its fixed key order; see TOP_KEYS, RUN_KEYS and CASE_KEYS."""
    return {
        "format": REPORT_FORMAT,
        "run": {key: run.get(key) for key in RUN_KEYS},
        "summary": summary,
        "gate": gate,
        "cases": [{key: case[key] for key in CASE_KEYS} for case in cases],
    }


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def save_run(report: dict[str, Any], results_dir: Path = RESULTS_DIR) -> Path:
    """Keep the run for the trend; file names sort by start time, and runs started in the
    same second get distinct names (the nanosecond clock at saving orders them)."""
    stamp = str(report["run"]["started_at"]).replace(":", "").replace("+0000", "Z")
    path = results_dir / f"run-{stamp}-{time.time_ns()}.json"
    write_json(report, path)
    return path


def history(results_dir: Path = RESULTS_DIR, limit: int = TREND_RUNS) -> list[dict[str, Any]]:
    """The summaries of the last ``limit`` kept runs, oldest first; unreadable files are skipped."""
    runs: list[dict[str, Any]] = []
    for path in sorted(results_dir.glob("run-*.json"))[-limit:]:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
            runs.append({"started_at": report["run"]["started_at"], **report["summary"]})
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return runs


def charts(report: dict[str, Any], past_runs: Sequence[dict[str, Any]]) -> dict[str, list[Chart]]:
    by_tag = report["summary"]["by_tag"]
    per_tag = [
        ratio_bars(
            title,
            [("all", report["summary"][metric])] + [(t, m[metric]) for t, m in by_tag.items()],
        )
        for metric, title in CHARTED_METRICS
    ]
    latencies = [ms for case in report["cases"] for ms in case["runs"]["latency_ms"]]
    trends = [
        trend(title, [(str(run["started_at"])[:16], run.get(metric)) for run in past_runs])
        for metric, title in CHARTED_METRICS[:3]
    ]
    return {
        "per_tag": per_tag,
        "latency": [histogram("Latency per run (ms)", latencies)],
        "trend": trends,
    }


def render_html(report: dict[str, Any], past_runs: Sequence[dict[str, Any]]) -> str:
    """One page with no outside resources: styles and SVG charts are inline."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = environment.get_template("report.html.j2")
    return template.render(report=report, charts=charts(report, past_runs), past_runs=past_runs)


def write_html(report: dict[str, Any], path: Path, past_runs: Sequence[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report, past_runs), encoding="utf-8")
