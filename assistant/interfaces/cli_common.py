"""What every command shares: the app, error translation, settings, the knowledge base."""

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from assistant.errors import AssistantError, InvalidQuestionError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    help="Cited answers from your documents.",
)
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

# Whole escape sequences: CSI (colours, cursor moves), then OSC/DCS/SOS/PM/APC strings (window
# titles, hyperlinks, the OSC 52 clipboard write) up to their terminator or the line's end, then
# any other ESC sequence; in their 7-bit and 8-bit (C1) forms.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_JSON_RAW = re.compile(r"[\x7f-\x9f]")


def terminal_text(text: str) -> str:
    """Untrusted text (documents, model output) made safe to print: escape sequences removed
    whole, then every other C0 and C1 control character but newline and tab."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n")))


def literal(text: str, style: str = "") -> Text:
    """Untrusted text for Rich: printed as it reads, never as markup, emoji codes or links."""
    return Text(terminal_text(text), style=style)


def json_text(text: str) -> str:
    """JSON whose DEL and C1 characters are written as ``\\u`` escapes (JSON encoders leave
    them raw, and a terminal may act on them); the value is unchanged."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def user_errors(func: F) -> F:
    """Show an AssistantError as one line on stderr with its exit code, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AssistantError as exc:
            err.print(Text.assemble(("error:", "bold red"), " ", literal(str(exc))))
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
            f"{_variable(Settings, e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise ConfigurationError(f"Invalid settings: {problems}") from None


def _variable(settings: Any, loc: tuple[int | str, ...]) -> str:
    """The environment variable behind an error: a field's ASSISTANT_ name, or the alias
    (``OPENAI_BASE_URL``) it was read from."""
    name = "_".join(map(str, loc))
    return f"ASSISTANT_{name.upper()}" if name in settings.model_fields else name


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
        TextColumn("{task.fields[item]}", markup=False),  # a file name, shown as it is
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, item="")

        def update(item: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, item=item)

        yield update


def print_json(value: Any) -> None:
    sys.stdout.write(json_text(json.dumps(value, ensure_ascii=False, indent=2)) + "\n")


def known_sources(kb: Any, names: list[str] | None) -> list[str] | None:
    """``names`` when each is a document of the knowledge base; else an InvalidQuestionError
    naming the unknown ones and the documents there are (a filter on a name no document has
    would find nothing and read as "the sources do not answer")."""
    if not names:
        return None
    documents = sorted(kb.manifest())
    unknown = [name for name in names if name not in documents]
    if unknown:
        listed = ", ".join(documents[:8]) + (", …" if len(documents) > 8 else "")
        raise InvalidQuestionError(
            f"No document is named {', '.join(unknown)}; --source takes a name that "
            f"`assistant sources` lists: {listed or 'none yet'}."
        )
    return names


def ready_knowledge_base(follow_files: bool = False) -> Any:
    """The knowledge base, ingesting the knowledge dir first when the store is empty, or
    (``follow_files``) when the files no longer match what the store was built from."""
    from assistant.knowledge.ingest import sync

    kb = open_knowledge_base()
    reason = ingest_reason(kb, follow_files)
    if reason:
        err.print(literal(f"{reason}; ingesting {kb.settings.knowledge_dir}/ first."))
        with progress_bar("Ingesting") as progress:
            report = sync(kb, None, progress)
        kinds = ("added", "updated", "removed")
        counts = ", ".join(f"{len(getattr(report, kind))} {kind}" for kind in kinds)
        err.print(f"{counts}; now {report.documents} document(s), {report.chunks} chunks.")
        for removed in report.removed:
            err.print(literal(f"removed: {removed} (no longer in the knowledge dir)", "yellow"))
        for skipped in report.skipped:
            err.print(literal(f"skipped: {skipped.path}: {skipped.reason}", "yellow"))
    return kb


def ingest_reason(kb: Any, follow_files: bool) -> str:
    from assistant.knowledge.ingest import knowledge_dir_changes

    if not kb.manifest():
        return "The store is empty"
    changed = knowledge_dir_changes(kb) if follow_files else []
    if changed:
        return f"The knowledge dir changed since it was indexed ({', '.join(changed[:3])}…)"
    return ""
