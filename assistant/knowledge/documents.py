"""Taking documents out of the knowledge base and bringing them back, for every interface.

- ``trash_document``: the file leaves the knowledge dir for the data dir's trash, its passages
  leave the store.
- ``exclude_document``: the passages leave the store, the file stays; ingests skip it.
- ``restore_document``: undoes either, and indexes the document again: same file, same passages,
  same answers.

Each holds the data dir's writer lock, so it never interleaves with an ingest elsewhere.
"""

import os
import shutil
import subprocess
from pathlib import Path

from assistant.errors import DocumentError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import IngestReport, Progress, sync
from assistant.knowledge.records import DocumentRecord
from assistant.knowledge.trash import Removed, Trash


def trash(kb: KnowledgeBase) -> Trash:
    return Trash(kb.settings.data_dir)


def _record(kb: KnowledgeBase, source: str) -> DocumentRecord:
    record = kb.manifest().get(source)
    if record is None:
        raise DocumentError(f"No document named {source} is in the knowledge base.")
    return record


def own_file(kb: KnowledgeBase, record: DocumentRecord) -> Path | None:
    """The document's path when it lies in the knowledge dir (not resolved: a symbolic link is
    the link), else None."""
    if record.origin:
        return None
    root = kb.settings.knowledge_dir.resolve()
    path = root / record.source
    if not path.parent.resolve().is_relative_to(root):
        return None
    return path


def tracked_by_git(path: Path) -> bool:
    """Whether git tracks this file (part of a checkout, such as the bundled article)."""
    git = shutil.which("git")
    if git is None or not path.parent.is_dir():
        return False
    try:
        result = subprocess.run(
            [git, "ls-files", "--error-unmatch", "--", path.name],
            cwd=path.parent, capture_output=True, timeout=5, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def trash_document(kb: KnowledgeBase, source: str) -> Removed:
    """Move a document's file into the trash and its passages out of the store."""
    record = _record(kb, source)
    path = own_file(kb, record)
    if path is None:
        raise DocumentError(
            f"{source} lies outside the knowledge dir ({record.origin}); its file is not ours to "
            "move. Remove it from the index instead."
        )
    with kb.writing():
        moved = None
        if os.path.lexists(path):
            try:
                moved = trash(kb).put(source, path)
            except OSError as exc:
                raise DocumentError(
                    f"Cannot move {source} to the trash in {kb.settings.data_dir}: "
                    f"{exc.strerror or exc}. Nothing was removed."
                ) from None
        kb.store.remove_document(source)
    kb.refresh(force=True)
    return Removed(source, "trash", 0.0, moved)


def exclude_document(kb: KnowledgeBase, source: str) -> Removed:
    """Take a document's passages out of the store and keep ingests from adding them back;
    its file stays where it is."""
    record = _record(kb, source)
    with kb.writing():
        trash(kb).exclude(source, record.origin)
        kb.store.remove_document(source)
    kb.refresh(force=True)
    return Removed(source, "index", 0.0, origin=record.origin)


def restore_document(
    kb: KnowledgeBase, source: str, progress: Progress | None = None
) -> IngestReport:
    """Bring back the most recent removal of ``source`` and index it again."""
    entry = trash(kb).find(source)
    if entry is None:
        raise DocumentError(
            f"Nothing named {source} was removed; `assistant sources --trash` lists what was."
        )
    with kb.writing():
        if entry.how == "index":
            trash(kb).include(source)
            base = Path(entry.origin) if entry.origin else kb.settings.knowledge_dir
            root = base / source.split("/")[0] if entry.origin else base / source
        else:
            root = kb.settings.knowledge_dir / source
            if os.path.lexists(root):
                raise DocumentError(
                    f"{root} exists again; move it away first, or it would be overwritten."
                )
            trash(kb).take_out(entry, root)
        return sync(kb, [root], progress)
