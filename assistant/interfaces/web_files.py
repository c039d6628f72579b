"""The knowledge tab's file work: uploads saved under safe names and ingested, nothing else.

An upload is copied to a hidden temporary file in the knowledge dir (created exclusively, so
never through an existing link) and moved into place with ``os.replace``: the document's name
only ever holds a complete file, and a name that was a symbolic link becomes a plain file while
the link's target stays untouched. A copy that fails (disk full, a file-size limit) leaves
nothing behind and says why; an ingest that fails puts back what the name held before.

No gradio here; the page translates the ``AssistantError``s raised below into notices.
"""

import errno
import os
import re
import shutil
import tempfile
import unicodedata
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.errors import DocumentError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.loaders import SUPPORTED_SUFFIXES

_UNSAFE_NAME = re.compile(r"[^\w.\- ()]+")
_CAUSES = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for the file system or the process's file-size limit",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENAMETOOLONG: "file name too long",
}
Progress = Callable[[str, int, int], None]


def safe_file_name(name: str) -> str:
    """A plain file name for an upload: no directories, no hidden files, an allowed type."""
    base = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name)
    cleaned = _UNSAFE_NAME.sub("-", base).strip(" .-")[-120:]
    suffix = Path(cleaned).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES or not Path(cleaned).stem.strip(" .-"):
        allowed = ", ".join(SUPPORTED_SUFFIXES)
        raise DocumentError(f"“{cleaned or name}” is not a supported file; allowed: {allowed}.")
    return Path(cleaned).stem + suffix


def taken(kb: KnowledgeBase, name: str) -> bool:
    """Whether the knowledge dir already holds something under this name (a link included)."""
    return os.path.lexists(kb.settings.knowledge_dir / name)


def free_name(kb: KnowledgeBase, name: str) -> str:
    """``name``, or "stem (2).md", "stem (3).md"… : the first the knowledge dir does not hold."""
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while taken(kb, name):
        name = f"{stem} ({number}){suffix}"
        number += 1
    return name


def add_upload(
    kb: KnowledgeBase, upload: Path, name: str, progress: Progress
) -> tuple[str, list[str]]:
    """Save an uploaded file as ``name`` in the knowledge dir (replacing what is there) and
    ingest it; returns the name and the ingest's warnings about it (pages without text, a
    damaged file, a script the embedding model does not read), each naming the file. On any
    failure the knowledge dir is left as it was."""
    from assistant.knowledge.ingest import sync

    settings = kb.settings
    size = upload.stat().st_size
    if size > settings.max_file_bytes:
        raise DocumentError(
            f"{name} is {size:,} bytes; the limit is {settings.max_file_bytes:,} "
            "(ASSISTANT_MAX_FILE_BYTES)."
        )
    with kb.writing():
        target = settings.knowledge_dir / name
        previous = _set_aside(target)
        try:
            _save(upload, target)
            report = sync(kb, [target], progress)
        except BaseException:
            _put_back(target, previous)
            raise
        if report.skipped:
            _put_back(target, previous)
            raise DocumentError(f"{name} was not added: {report.skipped[0].reason}")
        if previous is not None:
            previous.unlink()
    return name, [f"{name}: {warning}" for notes in report.notes for warning in notes.warnings]


def _save(upload: Path, target: Path) -> None:
    """Copy to a hidden file beside the target, flushed to disk, then rename it into place."""
    folder = target.parent
    partial = folder / f".{target.name}.{uuid.uuid4().hex[:8]}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with upload.open("rb") as source, partial.open("xb") as copy:
            shutil.copyfileobj(source, copy, 1 << 20)
            copy.flush()
            os.fsync(copy.fileno())
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        cause = _CAUSES.get(exc.errno or 0, exc.strerror or str(exc))
        raise DocumentError(
            f"{target.name} could not be saved in {folder}: {cause}. Nothing was changed."
        ) from None


def _set_aside(target: Path) -> Path | None:
    """Move what ``target`` holds (a file or a link) to a hidden name, to restore on failure."""
    if not os.path.lexists(target):
        return None
    aside = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.previous")
    os.replace(target, aside)
    return aside


def _put_back(target: Path, previous: Path | None) -> None:
    if previous is not None:
        os.replace(previous, target)
    else:
        target.unlink(missing_ok=True)


def upload_cache() -> Path:
    """Where Gradio keeps uploaded files (its own rule: GRADIO_TEMP_DIR, else the temp dir)."""
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")


def discard_cached(upload: Path) -> None:
    """Delete Gradio's cached copy of an upload once it was handled, and its emptied folder.
    Files outside Gradio's cache are never touched."""
    cache = upload_cache().resolve()
    try:
        path = upload.resolve()
        if not path.is_relative_to(cache) or path == cache:
            return
        path.unlink(missing_ok=True)
        if path.parent != cache and not any(path.parent.iterdir()):
            path.parent.rmdir()
    except OSError:
        return


class SameOriginWrites:
    """ASGI middleware: a request that changes something (any method but GET, HEAD, OPTIONS)
    is refused with 403 when its ``Origin`` is another site. Otherwise a form on any web page
    could post files into the page's upload cache. Requests without an ``Origin`` header
    (scripts, ``gradio_client``) are not from a browser page and pass."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(scope["headers"])
            origin = headers.get(b"origin")
            hosts = {headers.get(b"host", b""), headers.get(b"x-forwarded-host", b"")}
            if origin is not None and _host_of(origin) not in {h.lower() for h in hosts if h}:
                await _refuse(send)
                return
        await self.app(scope, receive, send)


def _host_of(origin: bytes) -> bytes:
    """``b"http://127.0.0.1:7860"`` -> ``b"127.0.0.1:7860"`` (``b"null"`` -> ``b""``)."""
    return origin.lower().partition(b"://")[2].rstrip(b"/")


async def _refuse(send: Any) -> None:
    body = b"Requests from other sites are not accepted: use the page itself."
    await send({
        "type": "http.response.start", "status": 403,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})
