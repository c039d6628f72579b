"""What every command shares: the app, error translation, settings, the knowledge base."""

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

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


def load_settings() -> Any:
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


def open_knowledge_base(rebuild: bool = False) -> Any:
    from assistant.knowledge.base import KnowledgeBase

    return KnowledgeBase(load_settings(), rebuild=rebuild)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str, int, int], None]]:
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


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def ready_knowledge_base(follow_files: bool = False) -> Any:
    """The knowledge base, ingesting the knowledge dir first when the store is empty, or
    (``follow_files``) when the files no longer match what the store was built from."""
    from assistant.knowledge.ingest import sync

    kb = open_knowledge_base()
    reason = ingest_reason(kb, follow_files)
    if reason:
        err.print(f"{reason}; ingesting {kb.settings.knowledge_dir}/ first.")
        with progress_bar("Ingesting") as progress:
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


def ingest_reason(kb: Any, follow_files: bool) -> str:
    from assistant.knowledge.ingest import knowledge_dir_changes

    if not kb.manifest():
        return "The store is empty"
    changed = knowledge_dir_changes(kb) if follow_files else []
    if changed:
        return f"The knowledge dir changed since it was indexed ({', '.join(changed[:3])}…)"
    return ""
