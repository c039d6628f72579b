"""Commands that serve or check the assistant: the chat page, the Slack bot, evals, feedback."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from assistant.errors import AssistantError
from assistant.interfaces.cli_common import (
    err,
    literal,
    load_settings,
    open_knowledge_base,
    print_json,
    progress_bar,
    ready_knowledge_base,
    user_errors,
)


def slack_command(
    port: Annotated[int, typer.Option(min=1, max=65535, help="HTTP port for Slack events.")] = 3000,
    host: Annotated[
        str, typer.Option(help="Interface to listen on in HTTP mode (0.0.0.0: every one).")
    ] = "127.0.0.1",
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

    credentials(load_settings())
    kb = ready_knowledge_base()
    try:
        slack.run(
            kb.settings, kb, host=host, port=port, announce=lambda line: err.print(literal(line))
        )
    except KeyboardInterrupt:
        err.print("Stopped.")


def eval_command(
    fixtures: Annotated[
        list[Path] | None, typer.Option(help="Fixture files or folders (default: the bundled).")
    ] = None,
    dataset: Annotated[
        Path | None,
        typer.Option(help="A dataset spec (YAML naming a SQuAD-format file, its articles and a "
                     "seeded sample) to run instead of fixtures, on its own knowledge dir."),
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
        dataset=dataset,
        json_path=json_path,
        html_path=html_path,
        baseline_path=baseline,
        update_baseline=update_baseline,
        repeat=repeat,
        settings=load_settings(),
    )
    with progress_bars(err) as (synced, evaluated):
        outcome = evaluate(options, synced, evaluated)
    out = Console(highlight=False)
    # A CI log is no terminal: give the per-tag table room instead of rich's 80 columns.
    show(outcome, out if out.is_terminal else Console(highlight=False, width=160))
    raise typer.Exit(outcome.exit_code)


def chat(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the page.")] = 7860,
) -> None:
    """Serve the chat page: cited answers, their sources, feedback, and the knowledge tab."""
    from assistant.interfaces import web

    settings = load_settings()
    err.print(literal(knowledge_dir_notice(settings)), soft_wrap=True)
    has_folder = settings.knowledge_dir.is_dir()
    kb = ready_knowledge_base(follow_files=True) if has_folder else open_knowledge_base()
    err.print(f"Opening the page on http://{host}:{port} (Ctrl+C stops it).", highlight=False)
    web.serve(kb, host, port)


def knowledge_dir_notice(settings: Any) -> str:
    """Where the documents are read from (and uploads saved), said at start-up."""
    folder = settings.knowledge_dir.absolute()
    if folder.is_dir():
        return f"Documents: {folder} (ASSISTANT_KNOWLEDGE_DIR); uploads are saved there."
    return (
        f"No folder at {folder}: documents added on the page will create it. To use documents "
        "kept elsewhere, set ASSISTANT_KNOWLEDGE_DIR=/path/to/folder."
    )


def restore(kb: Any, name: str) -> None:
    """`assistant sources --restore NAME`: undo a removal and index the document again."""
    from assistant.knowledge.documents import restore_document

    with progress_bar("Restoring") as progress:
        report = restore_document(kb, name, progress)
    for skipped in report.skipped:
        err.print(literal(f"skipped: {skipped.path}: {skipped.reason}"))
    if report.skipped:
        raise typer.Exit(1)
    chunks = sum(r.chunk_count for s, r in kb.manifest().items() if s == name)
    err.print(literal(f"Restored {name}: {chunks} passages."))


def show_trash(kb: Any, as_json: bool) -> None:
    """`assistant sources --trash`: what was removed, newest first."""
    from assistant.knowledge.documents import trash

    entries = trash(kb).entries()
    if as_json:
        print_json([
            {"source": e.source, "how": e.how, "removed_at": e.removed_at,
             "path": str(e.path) if e.path else None, "origin": e.origin}
            for e in entries
        ])
        return
    for entry in entries:
        Console().print(literal(entry.label), soft_wrap=True)
    err.print(literal(f"{len(entries)} removed; `assistant sources --restore NAME` restores one."))


FIXTURE_HEADER = """\
# Draft eval cases from thumbs-down feedback. Complete each one: add expect/cite entries, or set
# answerable: false if the sources really do not answer it; then move it into evals/fixtures/.
"""


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

    records = FeedbackStore.in_data_dir(load_settings().data_dir).records("down")
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


def register(app: typer.Typer) -> None:
    """Add these commands to the command line, after the knowledge commands."""
    app.command("chat")(user_errors(chat))
    app.command("slack")(user_errors(slack_command))
    app.command("eval")(user_errors(eval_command))
    feedback = typer.Typer(no_args_is_help=True, help="Ratings given to answers.")
    feedback.command("export")(user_errors(feedback_export))
    app.add_typer(feedback, name="feedback")
