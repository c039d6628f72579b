"""What an eval run prints: metrics per tag, the gate's verdict, where the reports went."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from evals.gate import describe
from evals.runner import EvalOutcome
from evals.runs import Progress as Update

COLUMNS = (
    ("cases", "cases"),
    ("pass_rate", "pass"),
    ("fact_accuracy", "facts"),
    ("citation_support", "cites"),
    ("abstention_precision", "abst. P"),
    ("abstention_recall", "abst. R"),
    ("retrieval_recall_at_k", "recall@k"),
    ("mrr", "MRR"),
    ("answer_chars_mean", "chars"),
    ("latency_ms_p50", "p50 ms"),
    ("latency_ms_p95", "p95 ms"),
)


@contextmanager
def progress_bars(console: Console) -> Iterator[tuple[Update, Update]]:
    """One live display with two bars: syncing the knowledge dir, then the cases."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[item]}"),
        console=console,
        transient=True,
    ) as bars:
        tasks = [
            bars.add_task(label, total=None, item="")
            for label in ("Syncing knowledge", "Evaluating")
        ]

        def updater(task: Any) -> Update:
            def update(item: str, done: int, total: int) -> None:
                bars.update(task, completed=done, total=total, item=item)

            return update

        yield updater(tasks[0]), updater(tasks[1])


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def metrics_table(summary: dict[str, Any]) -> Table:
    table = Table("tag", *(label for _, label in COLUMNS))
    rows = [("all", summary), *sorted(summary["by_tag"].items())]
    for tag, metrics in rows:
        table.add_row(tag, *(_cell(metrics[key]) for key, _ in COLUMNS))
    return table


def show(outcome: EvalOutcome, out: Console) -> None:
    summary = outcome.report["summary"]
    for skipped in outcome.ingest.skipped:
        out.print(f"[yellow]skipped: {skipped.path}: {skipped.reason}[/]", highlight=False)
    out.print(metrics_table(summary))
    for case in outcome.report["cases"]:
        if case["runs"]["count"] > 1 and 0 < case["runs"]["passed"] < case["runs"]["count"]:
            out.print(
                f"varies: {case['id']}: passed {case['runs']['passed']}"
                f" of {case['runs']['count']} runs",
                highlight=False,
            )
    for line in describe(outcome.gate):
        out.print(line, highlight=False, markup=False)
    verdict = "[green]gate passed[/]" if outcome.gate.passed else "[bold red]gate failed[/]"
    if outcome.baseline_written:
        verdict = "[yellow]baseline updated[/]"
    out.print(f"{verdict}: {summary['passed']} of {summary['cases']} cases pass")
    out.print(f"report: {outcome.html_path} · run kept in {outcome.run_path}", highlight=False)
    if outcome.baseline_written:
        out.print(f"baseline written: {outcome.baseline_written}", highlight=False)
