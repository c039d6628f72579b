"""The command line: converts arguments, calls the core, formats the result."""

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from assistant.errors import AssistantError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    help="Cited answers from your documents.",
)
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Show an AssistantError as one line on stderr with its exit code, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AssistantError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def _settings() -> Any:
    from pydantic import ValidationError

    from assistant.config import Settings
    from assistant.errors import ConfigurationError

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"ASSISTANT_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigurationError(f"Invalid settings: {problems}") from None


def _knowledge_base(rebuild: bool = False) -> Any:
    from assistant.knowledge import KnowledgeBase

    return KnowledgeBase(_settings(), rebuild=rebuild)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[str, int, int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[item]}"),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, item="")

        def update(item: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, item=item)

        yield update


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


@app.command()
@user_errors
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: the knowledge dir).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    rebuild: Annotated[
        bool, typer.Option(help="Drop the store first and embed everything again.")
    ] = False,
) -> None:
    """Add new documents, replace changed ones, remove vanished ones."""
    from assistant.ingest import sync

    kb = _knowledge_base(rebuild)
    with _progress("Ingesting") as progress:
        report = sync(kb, paths or None, progress)
    if as_json:
        _print_json(report.model_dump())
    else:
        for name in ("added", "updated", "removed", "unchanged"):
            err.print(f"{name:>10}: {len(getattr(report, name))}")
        err.print(
            f"{'embedded':>10}: {report.chunks_embedded} chunks "
            f"({report.sentences_embedded} sentences)"
        )
        for skipped in report.skipped:
            err.print(f"[yellow]   skipped: {skipped.path}: {skipped.reason}[/]", highlight=False)
        err.print(
            f"{'corpus':>10}: {report.documents} documents, {report.chunks} chunks, "
            f"fingerprint {report.fingerprint}"
        )
    if report.skipped:
        raise typer.Exit(1)


@app.command()
@user_errors
def sources(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the documents in the knowledge base."""
    kb = _knowledge_base()
    manifest = kb.manifest()
    rows = [
        {"source": r.source, "title": r.title, "chunks": r.chunk_count, "hash": r.content_hash[:12]}
        for r in sorted(manifest.values(), key=lambda r: r.source)
    ]
    summary = {
        "documents": rows,
        "fingerprint": kb.fingerprint(manifest),
        "location": kb.store.location,
    }
    if as_json:
        _print_json(summary)
        return
    from rich.table import Table

    table = Table("source", "title", "chunks", "hash")
    for row in rows:
        table.add_row(row["source"], row["title"], str(row["chunks"]), row["hash"])
    Console().print(table)
    err.print(f"fingerprint {summary['fingerprint']} · {summary['location']}")


@app.command()
@user_errors
def search(
    query: str,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="How many chunks.")] = 4,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    source: Annotated[list[str] | None, typer.Option(help="Only these documents.")] = None,
) -> None:
    """Show the chunks hybrid retrieval ranks highest for QUERY."""
    from assistant.retrieve import search as hybrid_search

    kb = _knowledge_base()
    kb.require_documents()
    hits = hybrid_search(kb, query, k, source).hits
    if as_json:
        _print_json([hit.model_dump() for hit in hits])
        return
    out = Console()
    for rank, hit in enumerate(hits, start=1):
        dense = f"{hit.dense_score:.3f}" if hit.dense_score is not None else "-"
        lexical = f"{hit.lexical_score:.3f}" if hit.lexical_score is not None else "-"
        out.print(
            f"[bold]{rank}. {hit.source}[/] · {hit.section} · chars {hit.start}-{hit.end}",
            highlight=False,
        )
        out.print(
            f"   dense {dense} · lexical {lexical} · fused {hit.fused_score:.4f}", style="dim"
        )
        out.print(f"   {hit.text}\n", highlight=False)


def _ready_knowledge_base(follow_files: bool = False) -> Any:
    """The knowledge base, ingesting the knowledge dir first when the store is empty, or
    (``follow_files``) when the files no longer match what the store was built from."""
    from assistant.ingest import sync

    kb = _knowledge_base()
    reason = _ingest_reason(kb, follow_files)
    if reason:
        err.print(f"{reason}; ingesting {kb.settings.knowledge_dir}/ first.")
        with _progress("Ingesting") as progress:
            report = sync(kb, None, progress)
        kinds = ("added", "updated", "removed")
        counts = ", ".join(f"{len(getattr(report, kind))} {kind}" for kind in kinds)
        err.print(f"{counts}; now {report.documents} document(s), {report.chunks} chunks.")
        for removed in report.removed:
            err.print(
                f"[yellow]removed: {removed} (no longer in the knowledge dir)[/]", highlight=False
            )
        for skipped in report.skipped:
            err.print(f"[yellow]skipped: {skipped.path}: {skipped.reason}[/]", highlight=False)
    return kb


def _ingest_reason(kb: Any, follow_files: bool) -> str:
    from assistant.ingest import knowledge_dir_changes

    if not kb.manifest():
        return "The store is empty"
    changed = knowledge_dir_changes(kb) if follow_files else []
    if changed:
        return f"The knowledge dir changed since it was indexed ({', '.join(changed[:3])}…)"
    return ""


def print_answer(answer: Any, out: Console, streamed: bool) -> None:
    """The answer (unless already streamed), its verification, and a numbered source list."""
    if not streamed:
        out.print(answer.answer, highlight=False, markup=False)
    if answer.notice:
        out.print(f"[yellow]note: {answer.notice}[/]", highlight=False)
    for check in answer.verification.sentences:
        if not check.supported:
            out.print(f"[red]unverified:[/] {check.sentence} ({check.reason})", highlight=False)
    if answer.citations:
        out.print()
    for c in answer.citations:
        out.print(f"[bold][{c.n}][/] {c.source} · {c.section}", highlight=False)
        out.print(f"    “{c.quote}”", highlight=False, markup=False)
    out.print(f"[dim]{answer.mode} · {answer.verification.status}[/]")


@app.command()
@user_errors
def ask(
    question: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    k: Annotated[int | None, typer.Option("--k", min=1, max=50, help="Chunks to retrieve.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only these documents.")] = None,
) -> None:
    """Answer QUESTION from the knowledge base, with citations."""
    from assistant.answer.core import ask_stream
    from assistant.types import Answer

    kb = _ready_knowledge_base()
    out = Console(highlight=False)
    streamed = ""
    for event in ask_stream(question, knowledge=kb, k=k, sources=source):
        if isinstance(event, Answer):
            if as_json:
                sys.stdout.write(event.model_dump_json(indent=2) + "\n")
                continue
            shown = streamed.strip() == event.answer
            if streamed:
                sys.stdout.write("\n")
            if streamed and not shown:
                # A repaired or fallback answer replaces what was streamed; show the checked one.
                out.print("[bold]Checked answer:[/]")
            print_answer(event, out, shown)
        elif not as_json and event:
            sys.stdout.write(event)
            sys.stdout.flush()
            streamed += event


@app.command("slack")
@user_errors
def slack_command(
    port: Annotated[int, typer.Option(min=1, max=65535, help="HTTP port for Slack events.")] = 3000,
    host: Annotated[str, typer.Option(help="Interface to listen on in HTTP mode.")] = "0.0.0.0",
    manifest: Annotated[
        bool, typer.Option("--manifest", help="Print the Slack app manifest and exit.")
    ] = False,
) -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on --port."""
    if manifest:
        from importlib import resources

        text = resources.files("assistant.interfaces").joinpath("slack_manifest.yaml").read_text()
        sys.stdout.write(text)
        return
    from assistant.interfaces import slack
    from assistant.interfaces.slack_guards import credentials

    credentials(_settings())
    kb = _ready_knowledge_base()
    try:
        slack.run(kb.settings, kb, host=host, port=port, announce=err.print)
    except KeyboardInterrupt:
        err.print("Stopped.")


@app.command("eval")
@user_errors
def eval_command(
    fixtures: Annotated[
        list[Path] | None, typer.Option(help="Fixture files or folders (default: the bundled).")
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the JSON report here.")
    ] = None,
    html_path: Annotated[
        Path | None, typer.Option("--html", help="Write the HTML report here.")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="Baseline to gate against (default: evals/baseline.json).")
    ] = None,
    update_baseline: Annotated[
        bool, typer.Option(help="Write this run's results as the baseline.")
    ] = False,
    repeat: Annotated[
        int, typer.Option(min=1, help="Runs per case; the gate uses the majority.")
    ] = 1,
) -> None:
    """Run the eval fixtures through `ask`, report per tag, and fail on regressions."""
    from evals.console import progress_bars, show
    from evals.runner import EvalOptions, evaluate

    options = EvalOptions(
        fixtures=fixtures or [],
        json_path=json_path,
        html_path=html_path,
        baseline_path=baseline,
        update_baseline=update_baseline,
        repeat=repeat,
        settings=_settings(),
    )
    with progress_bars(err) as (synced, evaluated):
        outcome = evaluate(options, synced, evaluated)
    show(outcome, Console(highlight=False))
    raise typer.Exit(outcome.exit_code)


@app.command()
@user_errors
def chat(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the page.")] = 7860,
) -> None:
    """Serve the chat page: cited answers, their sources, feedback, and the knowledge tab."""
    from assistant.interfaces import web

    kb = _ready_knowledge_base(follow_files=True)
    err.print(f"Opening the page on http://{host}:{port} (Ctrl+C stops it).", highlight=False)
    web.serve(kb, host, port)


feedback_app = typer.Typer(no_args_is_help=True, help="Ratings given to answers.")
app.add_typer(feedback_app, name="feedback")
FIXTURE_HEADER = """\
# Draft eval cases from thumbs-down feedback. Complete each one: add expect/cite entries, or set
# answerable: false if the sources really do not answer it; then move it into evals/fixtures/.
"""


@feedback_app.command("export")
@user_errors
def feedback_export(
    as_fixtures: Annotated[
        Path,
        typer.Option(
            "--as-fixtures",
            help="YAML file to write the thumbs-down answers to, as draft eval cases.",
        ),
    ],
) -> None:
    """Write the thumbs-down answers as draft eval fixtures, ready to be completed."""
    import yaml

    from assistant.feedback import FeedbackStore

    records = FeedbackStore.in_data_dir(_settings().data_dir).records("down")
    cases = [_draft_case(record) for record in records]
    text = yaml.safe_dump({"cases": cases}, sort_keys=False, allow_unicode=True, width=100)
    try:
        as_fixtures.parent.mkdir(parents=True, exist_ok=True)
        as_fixtures.write_text(FIXTURE_HEADER + text, encoding="utf-8")
    except OSError as exc:
        raise AssistantError(f"Cannot write {as_fixtures}: {exc.strerror}.") from None
    err.print(f"Wrote {len(cases)} draft case(s) to {as_fixtures}.", highlight=False)


def _draft_case(record: Any) -> dict[str, Any]:
    comment = record.comment or "(no comment)"
    return {
        "id": f"feedback-{record.id}",
        "question": record.question,
        "expect": [],
        "cite": [],
        "answerable": True,
        "tags": ["feedback"],
        "notes": f"Comment: {comment}\nAnswer given ({record.interface}, {record.created_at}): "
        f"{record.answer}",
    }


def main() -> None:
    app()


if __name__ == "__main__":
    main()
