"""Where removed documents wait, in the data dir: nothing removed from the page is lost.

- ``trash/<when>/<source>``: a file moved out of the knowledge dir (a symbolic link is moved as a
  link; its target is never touched).
- ``excluded.json``: documents taken out of the index whose file stays where it is; ingests skip
  them until they are restored.
"""

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Removed:
    """One removed document: ``how`` is "trash" (its file is in ``path``) or "index" (its file
    stayed in place, under ``origin`` or the knowledge dir)."""

    source: str
    how: str
    removed_at: float
    path: Path | None = None
    origin: str = ""

    @property
    def label(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.removed_at))
        where = "in the trash" if self.how == "trash" else "left out of the index"
        return f"{self.source} ({where} since {when})"


class Trash:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "trash"
        self._excluded = data_dir / "excluded.json"

    def excluded(self) -> dict[str, dict[str, object]]:
        """Sources left out of the index: source -> {"at": when, "origin": folder or ""}."""
        try:
            loaded = json.loads(self._excluded.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): v for k, v in loaded.items() if isinstance(v, dict)}

    def exclude(self, source: str, origin: str) -> None:
        self._save_excluded({**self.excluded(), source: {"at": time.time(), "origin": origin}})

    def include(self, source: str) -> None:
        self._save_excluded({k: v for k, v in self.excluded().items() if k != source})

    def _save_excluded(self, excluded: dict[str, dict[str, object]]) -> None:
        self._excluded.parent.mkdir(parents=True, exist_ok=True)
        partial = self._excluded.with_name(f".excluded.{uuid.uuid4().hex}.part")
        partial.write_text(json.dumps(excluded, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(partial, self._excluded)

    def put(self, source: str, path: Path) -> Path:
        """Move a file (or the link itself) into the trash; returns where it now is."""
        stamp = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        target = self.root / stamp / source
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        return target

    def take_out(self, entry: Removed, destination: Path) -> None:
        """Move a trashed file back to ``destination`` and drop its now empty folders."""
        assert entry.path is not None
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(entry.path, destination)
        folder = entry.path.parent
        while folder != self.root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent

    def entries(self) -> list[Removed]:
        """Everything removed, newest first."""
        found = [
            Removed(source, "index", _number(info.get("at")), origin=str(info.get("origin", "")))
            for source, info in self.excluded().items()
        ]
        for stamp in self.root.iterdir() if self.root.is_dir() else []:
            for path in stamp.rglob("*"):
                if path.is_symlink() or path.is_file():
                    source = path.relative_to(stamp).as_posix()
                    found.append(Removed(source, "trash", stamp.lstat().st_mtime, path))
        return sorted(found, key=lambda entry: -entry.removed_at)

    def find(self, source: str) -> Removed | None:
        """The most recent removal of ``source``."""
        return next((entry for entry in self.entries() if entry.source == source), None)


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
