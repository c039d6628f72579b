"""The knowledge tab's file work: uploads saved under safe names and ingested, documents removed.

No gradio here; the page translates the ``AssistantError``s raised below into notices.
"""

import re
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

from assistant.errors import DocumentError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.loaders import SUPPORTED_SUFFIXES

_UNSAFE_NAME = re.compile(r"[^\w.\- ()]+")


def safe_file_name(name: str) -> str:
    """A plain file name for an upload: no directories, no hidden files, an allowed type."""
    base = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name)
    cleaned = _UNSAFE_NAME.sub("-", base).strip(" .-")[-120:]
    suffix = Path(cleaned).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES or not Path(cleaned).stem.strip(" .-"):
        allowed = ", ".join(SUPPORTED_SUFFIXES)
        raise DocumentError(f"“{cleaned or name}” is not a supported file; allowed: {allowed}.")
    return Path(cleaned).stem + suffix


def add_upload(kb: KnowledgeBase, upload: Path, progress: Callable[[str, int, int], None]) -> str:
    """Copy an uploaded file into the knowledge dir and ingest it; returns its name there."""
    from assistant.knowledge.ingest import sync

    settings = kb.settings
    name = safe_file_name(upload.name)
    size = upload.stat().st_size
    if size > settings.max_file_bytes:
        raise DocumentError(
            f"{name} is {size:,} bytes; the limit is {settings.max_file_bytes:,} "
            "(ASSISTANT_MAX_FILE_BYTES)."
        )
    settings.knowledge_dir.mkdir(parents=True, exist_ok=True)
    target = settings.knowledge_dir / name
    previous = target.read_bytes() if target.is_file() else None
    shutil.copyfile(upload, target)
    report = sync(kb, [target], progress)
    if report.skipped:
        # Leave the knowledge dir as it was: the store still holds the previous version.
        if previous is None:
            target.unlink(missing_ok=True)
        else:
            target.write_bytes(previous)
        raise DocumentError(f"{name} was not added: {report.skipped[0].reason}")
    return name


def remove_document(kb: KnowledgeBase, source: str) -> None:
    """Delete a document's file (when it lies inside the knowledge dir) and its passages."""
    root = kb.settings.knowledge_dir.resolve()
    path = (root / source).resolve()
    try:
        if path.is_relative_to(root) and path.is_file():
            path.unlink()
    except OSError as exc:
        raise DocumentError(f"Cannot remove {source}: {exc.strerror}.") from None
    kb.store.remove_document(source)
    kb.refresh(force=True)
