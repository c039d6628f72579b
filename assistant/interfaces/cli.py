"""The command line: converts arguments, calls the core, formats the result.

Knowledge commands live here; the long-running services (chat, slack) and the eval and
feedback commands live in ``cli_services``.
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from assistant.errors import InvalidQuestionError
from assistant.interfaces import cli_services
from assistant.interfaces.cli_common import (
    app,
    err,
    json_text,
    known_sources,
    literal,
    open_knowledge_base,
    print_json,
    progress_bar,
    ready_knowledge_base,
    terminal_text,
    user_errors,
)
from assistant.interfaces.support_summary import support_summary

if TYPE_CHECKING:
    from assistant.types import Answer

SUPPORT_STYLES = {
    "answered": "green", "related": "yellow", "summary": "cyan", "declined": "dim",
}


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
    from assistant.knowledge.ingest import sync

    kb = open_knowledge_base(rebuild)
    with progress_bar("Ingesting") as progress:
        report = sync(kb, paths or None, progress)
    if as_json:
        print_json(report.model_dump())
    else:
        for name in ("added", "updated", "removed", "unchanged"):
            err.print(f"{name:>10}: {len(getattr(report, name))}")
        err.print(
            f"{'embedded':>10}: {report.chunks_embedded} chunks "
            f"({report.sentences_embedded} sentences)"
        )
        for skipped in report.skipped:
            err.print(literal(f"   skipped: {skipped.path}: {skipped.reason}", "yellow"))
        for notes in report.notes:
            for label, items in (("found", notes.found), ("dropped", notes.dropped),
                                 ("warning", notes.warnings)):
                for item in items:
                    err.print(literal(f"{label:>10}: {notes.path}: {item}"))
        for name in report.excluded:
            err.print(literal(
                f"  excluded: {name} (removed from the index; "
                f"`assistant sources --restore {name}` brings it back)"
            ))
        err.print(
            f"{'corpus':>10}: {report.documents} documents, {report.chunks} chunks, "
            f"fingerprint {report.fingerprint}"
        )
    if report.skipped:
        raise typer.Exit(1)


@app.command()
@user_errors
def sources(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    restore: Annotated[
        str | None,
        typer.Option(
            "--restore", metavar="NAME",
            help="Bring back a removed document (from the trash, or left out of the index) "
            "and index it again.",
        ),
    ] = None,
    trash: Annotated[
        bool, typer.Option("--trash", help="List the removed documents instead.")
    ] = False,
) -> None:
    """List the documents in the knowledge base, or those removed from it."""
    kb = open_knowledge_base()
    if restore is not None:
        cli_services.restore(kb, restore)
        return
    if trash:
        cli_services.show_trash(kb, as_json)
        return
    manifest = kb.manifest()
    rows = [
        {"source": r.source, "title": r.title, "chunks": r.chunk_count, "hash": r.content_hash[:12]}
        for r in sorted(manifest.values(), key=lambda r: r.source)
    ]
    summary = {
        "documents": rows,
        "fingerprint": kb.fingerprint(manifest),
        "location": kb.store.location,
        "knowledge_dir": str(kb.settings.knowledge_dir.absolute()),
    }
    if as_json:
        print_json(summary)
        return
    from rich.table import Column, Table

    # A source is what --source takes: never cut short, the title wraps instead.
    widest = max((len(row["source"]) for row in rows), default=6)
    table = Table(Column("source", no_wrap=True, min_width=widest), "title", "chunks", "hash")
    for row in rows:
        table.add_row(
            literal(row["source"]), literal(row["title"]), str(row["chunks"]), row["hash"]
        )
    Console().print(table)
    err.print(literal(
        f"fingerprint {summary['fingerprint']} · {summary['location']} · documents from "
        f"{summary['knowledge_dir']}"
    ))


@app.command()
@user_errors
def search(
    query: str,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="How many chunks.")] = 4,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    source: Annotated[list[str] | None, typer.Option(help="Only these documents.")] = None,
) -> None:
    """Show the chunks retrieval ranks highest for QUERY, after re-ranking."""
    from assistant.answer.core import clean_question
    from assistant.search.retrieve import search as hybrid_search

    kb = open_knowledge_base()
    query = clean_question(query, kb.settings.max_question_chars)
    kb.require_documents()
    hits = hybrid_search(kb, query, k, known_sources(kb, source)).hits
    if as_json:
        print_json([hit.model_dump() for hit in hits])
        return
    out = Console()
    for rank, hit in enumerate(hits, start=1):
        dense = f"{hit.dense_score:.3f}" if hit.dense_score is not None else "-"
        lexical = f"{hit.lexical_score:.3f}" if hit.lexical_score is not None else "-"
        reranked = f"{hit.rerank_score:.3f}" if hit.rerank_score is not None else "-"
        out.print(
            literal(f"{rank}. {hit.source}", "bold"),
            literal(f"{_in_section(hit.section)} · chars {hit.start}-{hit.end}"), sep="",
        )
        out.print(
            f"   dense {dense} · lexical {lexical} · fused {hit.fused_score:.4f} · "
            f"best sentence {reranked}",
            style="dim",
        )
        out.print(literal(f"   {hit.text}\n"))


def _in_section(section: str) -> str:
    """The " · Section" after a document's name; nothing for a passage outside any section."""
    return f" · {section}" if section else ""


def print_answer(answer: Any, out: Console, streamed: bool) -> None:
    """The answer (unless already streamed), the sentences that failed their check, a numbered
    source list and the support level. Document and model text is printed literally."""
    if not streamed:
        out.print(literal(answer.answer))
    if answer.notice:
        out.print(literal(f"note: {answer.notice}", "yellow"))
    for check in answer.verification.sentences:
        if not check.supported:
            out.print(
                Text("unverified:", "red"), literal(f"{check.sentence} ({check.reason})")
            )
    if answer.model_draft:
        draft = " ".join(answer.model_draft.text.split())
        out.print(literal("unverified model draft (not the answer; whole in --json):", "dim"))
        out.print(literal(f"    {draft[:200]}{'…' if len(draft) > 200 else ''}", "dim"))
    if answer.citations:
        out.print()
    for c in answer.citations:
        out.print(Text(f"[{c.n}]", "bold"), literal(f"{c.source}{_in_section(c.section)}"))
        out.print(literal(f"    “{c.quote}”"))
    if answer.support.level != "no_claims":  # small talk: the reply alone
        summary = " · ".join([*support_summary(answer), answer.mode])
        out.print(Text(summary, SUPPORT_STYLES.get(answer.support.level, "")))


@app.command()
@user_errors
def ask(
    question: Annotated[
        str | None,
        typer.Argument(
            help="The question. Without it, questions are read one a line (a prompt on a "
            "terminal), each with the conversation so far, so follow-ups such as \"And in "
            "2015?\" work; an empty line or end of input stops.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    k: Annotated[
        int | None,
        typer.Option("--k", min=1, max=50, help="Chunks handed to the answer step."),
    ] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only these documents.")] = None,
) -> None:
    """Answer QUESTION from the knowledge base, with citations; without QUESTION, hold a
    conversation read from standard input."""
    kb = ready_knowledge_base()
    sources = known_sources(kb, source)
    if question is not None:
        answer_one(kb, question, [], as_json, k, sources)
        return
    history: list[dict[str, str]] = []
    for line in _questions():
        try:
            answer = answer_one(kb, line, history, as_json, k, sources)
        except InvalidQuestionError as exc:  # one unusable line ends nothing
            err.print(Text.assemble(("error:", "bold red"), " ", literal(str(exc))))
            continue
        history += [
            {"role": "user", "content": line},
            {"role": "assistant", "content": answer.answer},
        ]
        if not as_json:
            sys.stdout.write("\n")


def _questions() -> Iterator[str]:
    """Lines of standard input up to an empty one or its end; on a terminal, with a prompt."""
    prompt = "question> " if sys.stdin.isatty() else ""
    while True:
        try:
            line = input(prompt)
        except (EOFError, KeyboardInterrupt):
            return
        if not line.strip():
            return
        yield line


def answer_one(
    kb: Any, question: str, history: list[dict[str, str]], as_json: bool, k: int | None,
    sources: list[str] | None,
) -> "Answer":
    """Stream one answer to the terminal (or print it as JSON) and return it."""
    from assistant.answer.core import ask_stream
    from assistant.types import Answer

    streamed, answer = "", None
    for event in ask_stream(question, history=history, knowledge=kb, k=k, sources=sources):
        if isinstance(event, Answer):
            answer = event
        elif not as_json and event:
            sys.stdout.write(terminal_text(event))
            sys.stdout.flush()
            streamed += event
    assert answer is not None, "ask_stream ends with its Answer"
    if as_json:
        sys.stdout.write(json_text(answer.model_dump_json(indent=2)) + "\n")
        return answer
    shown = streamed.strip() == answer.answer
    if streamed:
        sys.stdout.write("\n")
    out = Console(highlight=False)
    if streamed and not shown:
        # A repaired or fallback answer replaces what was streamed; show the checked one.
        out.print("[bold]Checked answer:[/]")
    print_answer(answer, out, shown)
    return answer


cli_services.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
