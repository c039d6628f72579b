"""The data dir's file locks (filelock, ``flock`` underneath): one writer at a time, and short
holds that keep a process from loading the store's files while another one changes them.

- ``writer()``: held for a whole ingest, upload or removal; a second writer waits for it, says
  whom it waits for, and gives up after ``ASSISTANT_INGEST_WAIT_SECONDS``.
- ``files()``: held around each store mutation and each reopen of the embedded store, so a reader
  never loads a vector index a writer is halfway through saving. Holds last one write batch.

The kernel drops a lock whose process dies, so a killed ingest never leaves the data dir locked.
"""

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from assistant.errors import StoreBusyError, StoreUnavailableError

Announce = Callable[[str], None]
_REGISTRY: dict[Path, "DataDirLocks"] = {}
_REGISTRY_LOCK = threading.Lock()


def data_dir_locks(data_dir: Path) -> "DataDirLocks":
    """The one ``DataDirLocks`` of this process for ``data_dir`` (a lock nests in its thread)."""
    key = data_dir.absolute()
    with _REGISTRY_LOCK:
        if key not in _REGISTRY:
            _REGISTRY[key] = DataDirLocks(key)
        return _REGISTRY[key]


class DataDirLocks:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._writer = FileLock(data_dir / "ingest.lock")
        self._files = FileLock(data_dir / "store.lock")
        self._owner = data_dir / "ingest.owner"

    @contextmanager
    def writer(self, wait_seconds: float, announce: Announce | None = None) -> Iterator[None]:
        """Hold the writer lock; wait up to ``wait_seconds`` for another writer to finish."""
        nested = self._writer.is_locked
        self._acquire_writer(wait_seconds, announce)
        try:
            if not nested:
                self._write_owner()
            yield
        finally:
            if not nested:
                self._owner.unlink(missing_ok=True)
            self._writer.release()

    def _acquire_writer(self, wait_seconds: float, announce: Announce | None) -> None:
        try:
            self._prepare()
            try:
                self._writer.acquire(blocking=False)
                return
            except Timeout:
                holder = self.writer_description()
            if announce:
                announce(f"{holder} is ingesting into {self.data_dir}; waiting for it to finish.")
            try:
                self._writer.acquire(timeout=wait_seconds, poll_interval=0.1)
            except Timeout:
                raise StoreBusyError(
                    f"{holder} is still ingesting into {self.data_dir} after {wait_seconds:g} s "
                    "(ASSISTANT_INGEST_WAIT_SECONDS); try again when it has finished."
                ) from None
        except OSError as exc:
            raise _unwritable(self.data_dir, exc) from None

    def busy_writer(self) -> str:
        """Who holds the writer lock right now ("" when nobody does)."""
        if self._writer.is_locked:
            return ""
        probe = FileLock(self._writer.lock_file)
        try:
            probe.acquire(blocking=False)
        except Timeout:
            return self.writer_description()
        except (OSError, RuntimeError):
            return ""
        probe.release()
        return ""

    def writer_description(self) -> str:
        try:
            owner = json.loads(self._owner.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "Another process"
        if owner.get("pid") == os.getpid():
            return "Another ingest or upload in this process"
        started = time.strftime("%H:%M:%S", time.localtime(owner.get("started", 0)))
        return f"Another process (pid {owner.get('pid')}, {owner.get('command')}, since {started})"

    def _write_owner(self) -> None:
        # "assistant ingest", "assistant chat", "-m pytest": enough to recognise the process.
        command = " ".join(Path(a).name if os.sep in a else a for a in sys.orig_argv[1:3])
        owner = {"pid": os.getpid(), "command": command, "started": time.time()}
        self._owner.write_text(json.dumps(owner), encoding="utf-8")

    @contextmanager
    def files(self, blocking: bool = True) -> Iterator[bool]:
        """Hold the short lock around a mutation or a reopen; yields False when ``blocking`` is
        off and another process holds it. A data dir that cannot hold a lock file (read-only)
        has no writer to guard against: the block runs unlocked."""
        try:
            self._prepare()
            self._files.acquire(blocking=blocking, poll_interval=0.02)
        except Timeout:
            yield False
            return
        except OSError:
            yield True
            return
        try:
            yield True
        finally:
            self._files.release()

    def _prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


def _unwritable(data_dir: Path, exc: OSError) -> StoreUnavailableError:
    return StoreUnavailableError(
        f"Cannot take the ingest lock in {data_dir} ({exc.strerror or exc}). "
        "Check ASSISTANT_DATA_DIR is writable."
    )
