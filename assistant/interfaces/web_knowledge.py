"""The chat page's Knowledge tab: where documents live, adding them, removing and restoring them.

- The tab names the knowledge dir (``ASSISTANT_KNOWLEDGE_DIR``) and says how to point it
  elsewhere, also when the folder does not exist yet.
- An upload whose name is taken asks first: replace the document, or keep both ("name (2).md").
- Removing asks for confirmation and says what happens: the file goes to the data dir's trash
  (a file git tracks, such as the bundled article, is named as such), or only its passages leave
  the index while the file stays. Either can be restored here or with
  ``assistant sources --restore NAME``.

Gradio's cached copy of each upload is deleted once it was handled. Handlers are plain methods
(tests call them without a browser); ``build`` lays out the tab and wires them.
"""

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.interfaces import web_files
from assistant.knowledge import documents
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.loaders import SUPPORTED_SUFFIXES

Progress = Callable[[str, int, int], None]
Pending = list[list[str]]  # [cached upload path, name it asks for]
Notify = Callable[[str], None]
CONFLICT_CHOICES = ("replace", "keep both", "cancel")


@dataclass
class Notices:
    """How the page shows a message: an error raised, a warning, an information."""

    error: Callable[[str], Exception]
    warn: Notify
    info: Notify


@dataclass
class KnowledgeTab:
    kb: KnowledgeBase
    header: Callable[[], str]
    notices: Notices

    def view(self) -> tuple[Any, ...]:
        """(documents table, remove choices, restore choices, header) as things stand now."""
        manifest = self.kb.manifest()
        rows = [
            [r.source, r.title if self.kb.file_present(r) else f"{r.title} (file gone: not used)",
             r.chunk_count]
            for _, r in sorted(manifest.items())
        ]
        removed = [entry.source for entry in documents.trash(self.kb).entries()]
        return (
            rows, _choices(sorted(manifest)), _choices(list(dict.fromkeys(removed))),
            self.header(),
        )

    def intro(self) -> str:
        folder = self.kb.settings.knowledge_dir.absolute()
        where = html.escape(str(folder))
        types = html.escape(", ".join(SUPPORTED_SUFFIXES))
        limit = self.kb.settings.max_file_bytes / 1_000_000
        missing = (
            f'<p class="knowledge-missing">There is no folder at <code>{where}</code> yet: the '
            "first document added here creates it. To use documents kept elsewhere, start the "
            "page with <code>ASSISTANT_KNOWLEDGE_DIR=/path/to/folder assistant chat</code>.</p>"
            if not folder.is_dir() else ""
        )
        return (
            '<div class="knowledge-intro"><h3>Knowledge</h3><p>The documents answers are drawn '
            f"from, kept in <code>{where}</code> (<code>ASSISTANT_KNOWLEDGE_DIR</code>). Added "
            f"files are saved there and indexed at once.</p>{missing}"
            f'<p class="muted">Allowed: {types} · up to {limit:g} MB each. Removed documents '
            "wait in the trash and can be restored below.</p></div>"
        )

    def upload(self, files: list[str] | None, progress: Progress) -> tuple[Any, ...]:
        """Save and index each upload; names already taken wait for replace or keep both.
        Returns (*view, pending, conflict question, cleared upload box)."""
        pending: Pending = []
        added: list[tuple[str, list[str]]] = []
        failed = []
        for upload in files or []:
            try:
                name = web_files.safe_file_name(Path(upload).name)
                if web_files.taken(self.kb, name):
                    pending.append([upload, name])
                    continue
                added.append(web_files.add_upload(self.kb, Path(upload), name, progress))
            except AssistantError as exc:
                failed.append(str(exc))
            web_files.discard_cached(Path(upload))  # handled; a pending one is kept above
        return self._after(added, failed, pending)

    def resolve(self, pending: Pending, choice: str, progress: Progress) -> tuple[Any, ...]:
        """Answer the question about taken names: "replace", "keep both" or "cancel"."""
        added: list[tuple[str, list[str]]] = []
        failed = []
        for upload, name in pending or []:
            try:
                if choice != "cancel":
                    target = name if choice == "replace" else web_files.free_name(self.kb, name)
                    added.append(web_files.add_upload(self.kb, Path(upload), target, progress))
            except (AssistantError, OSError) as exc:
                failed.append(str(exc))
            web_files.discard_cached(Path(upload))
        return self._after(added, failed, [])

    def _after(
        self, added: list[tuple[str, list[str]]], failed: list[str], pending: Pending
    ) -> tuple[Any, ...]:
        if added:
            self.notices.info(f"Added {', '.join(name for name, _ in added)}: ask about it now.")
        for warning in (warning for _, warnings in added for warning in warnings):
            self.notices.warn(warning)
        if failed:
            raise self.notices.error(" ".join(failed))
        names = ", ".join(name for _, name in pending)
        question = (
            f"{names} {'is' if len(pending) == 1 else 'are'} already in the knowledge base. "
            "Replace, or keep both (the new file gets a numbered name)?"
            if pending else ""
        )
        return (*self.view(), pending, *_shown(question), None)

    def ask_remove(self, source: str | None, how: str) -> tuple[Any, ...]:
        """The confirmation question for removing ``source`` ("trash" or "index"); returns
        (question, its box, pending removal)."""
        record = self.kb.manifest().get(source or "")
        if record is None:
            self.notices.warn("Choose a document to remove.")
            return (*_shown(""), [])
        folder = self.kb.settings.knowledge_dir.absolute()
        if how == "index":
            question = (
                f"Remove {record.source} from the index? Its file stays in {folder}; ingests "
                "leave it out until it is restored."
            )
            return (*_shown(question), [record.source, how])
        path = documents.own_file(self.kb, record)
        if path is None:
            self.notices.warn(
                f"{record.source} lies outside the knowledge dir; remove it from the index instead."
            )
            return (*_shown(""), [])
        tracked = (
            " Git tracks this file (it is part of the project): moving it changes the checkout."
            if documents.tracked_by_git(path) else ""
        )
        question = (
            f"Move {record.source} to the trash in {self.kb.settings.data_dir.absolute()}? It "
            f"leaves {folder} and the index; it can be restored.{tracked}"
        )
        return (*_shown(question), [record.source, how])

    def remove(self, pending: list[str]) -> tuple[Any, ...]:
        """Carry out a confirmed removal; returns (*view, hidden question, cleared pending)."""
        if len(pending or []) == 2:
            source, how = pending
            try:
                if how == "index":
                    documents.exclude_document(self.kb, source)
                else:
                    documents.trash_document(self.kb, source)
            except AssistantError as exc:
                raise self.notices.error(str(exc)) from None
            where = "the index" if how == "index" else "the knowledge base (now in the trash)"
            self.notices.info(f"Removed {source} from {where}.")
        return (*self.view(), *_shown(""), [])

    def restore(self, source: str | None, progress: Progress) -> tuple[Any, ...]:
        if not source:
            self.notices.warn("Choose a removed document to restore.")
            return self.view()
        try:
            report = documents.restore_document(self.kb, source, progress)
        except AssistantError as exc:
            raise self.notices.error(str(exc)) from None
        if report.skipped:
            raise self.notices.error(f"{source} is back but was not indexed: "
                                     f"{report.skipped[0].reason}")
        self.notices.info(f"Restored {source}.")
        return self.view()


def _choices(values: list[str]) -> dict[str, Any]:
    return {"choices": values, "value": None, "__type__": "update"}


def _shown(question: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Updates of a question and of the box around it (with its buttons): shown with the
    question, hidden when there is none."""
    text = f'<p class="knowledge-question">{html.escape(question)}</p>' if question else ""
    box = {"visible": bool(question), "__type__": "update"}
    return {"value": text, "__type__": "update"}, box


def build(gr: Any, tab: KnowledgeTab) -> dict[str, Any]:
    """Lay out the tab's components (inside an open ``gr.Tab``); returns them by name."""
    c: dict[str, Any] = {"intro": gr.HTML(tab.intro(), js_on_load=None)}
    with gr.Row(equal_height=False):
        c["documents"] = gr.Dataframe(
            headers=["Document", "Title", "Passages"], datatype=["str", "str", "number"],
            interactive=False, elem_id="documents", show_label=False, scale=3, wrap=True,
            column_widths=["34%", "52%", "14%"],
        )
        with gr.Column(scale=2):
            c["upload"] = gr.File(
                label="Add documents", file_count="multiple", type="filepath",
                file_types=list(SUPPORTED_SUFFIXES), elem_id="upload",
            )
            c["pending"], c["removal"] = gr.State([]), gr.State([])
            with gr.Column(visible=False, elem_id="upload-conflict") as c["conflict_box"]:
                c["conflict"] = gr.HTML("", js_on_load=None)
                with gr.Row():
                    for choice in CONFLICT_CHOICES:
                        c[choice] = gr.Button(choice.capitalize(), size="sm")
            c["remove"] = gr.Dropdown(label="Remove a document", choices=[], elem_id="remove")
            with gr.Row():
                c["to_trash"] = gr.Button("Move to trash…", variant="stop", size="sm")
                c["from_index"] = gr.Button("Remove from index only…", size="sm")
            with gr.Column(visible=False, elem_id="remove-confirm") as c["confirm_box"]:
                c["confirm_text"] = gr.HTML("", js_on_load=None)
                with gr.Row():
                    c["confirm"] = gr.Button("Confirm removal", variant="stop", size="sm")
                    c["keep"] = gr.Button("Keep it", size="sm")
            c["restored"] = gr.Dropdown(
                label="Restore a removed document", choices=[], elem_id="restore"
            )
            c["restore"] = gr.Button("Restore", size="sm")
    return c


def wire(gr: Any, tab: KnowledgeTab, c: dict[str, Any], header: Any, tabs: Any) -> None:
    """Connect the tab's events; each change is one at a time ("ingest" queue)."""
    private: dict[str, Any] = {"api_visibility": "private", "concurrency_id": "ingest"}
    view = [c["documents"], c["remove"], c["restored"], header]
    after_upload = [*view, c["pending"], c["conflict"], c["conflict_box"], c["upload"]]
    question = [c["confirm_text"], c["confirm_box"], c["removal"]]

    def tracked(progress: Any) -> Progress:
        return lambda item, done, total: progress((done, total), desc=item)

    def notice_only(handle: Callable[[], tuple[Any, ...]]) -> tuple[Any, ...]:
        """A rejected file is named in a notice and the upload box emptied, ready for the next
        (an error raised from the event would leave its outputs marked as failed)."""
        try:
            return handle()
        except gr.Error as rejected:
            gr.Warning(rejected.message)
            return (*tab.view(), [], *_shown(""), None)

    # Gradio hands its progress tracker to a handler through this default value.
    def on_upload(files: list[str] | None, bar: Any = gr.Progress()) -> Any:  # noqa: B008
        return notice_only(lambda: tab.upload(files, tracked(bar)))

    def on_choice(choice: str) -> Callable[..., Any]:
        def handler(pending: Pending, bar: Any = gr.Progress()) -> Any:  # noqa: B008
            return notice_only(lambda: tab.resolve(pending, choice, tracked(bar)))

        return handler

    def on_restore(source: str | None, bar: Any = gr.Progress()) -> Any:  # noqa: B008
        return tab.restore(source, tracked(bar))

    c["upload"].upload(on_upload, c["upload"], after_upload, **private)
    for choice in CONFLICT_CHOICES:
        c[choice].click(on_choice(choice), c["pending"], after_upload, **private)
    for button, how in ((c["to_trash"], "trash"), (c["from_index"], "index")):
        button.click(lambda s, how=how: tab.ask_remove(s, how), c["remove"], question, **private)
    c["confirm"].click(tab.remove, c["removal"], [*view, *question], **private)
    c["keep"].click(lambda: (*_shown(""), []), None, question, **private)
    c["restore"].click(on_restore, c["restored"], view, **private)
    tabs.select(tab.view, None, view, **private)
