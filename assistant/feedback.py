"""Thumbs up or down on answers, from any interface, in one SQLite file in the data dir."""

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from assistant.errors import StoreUnavailableError
from assistant.types import Answer

Rating = Literal["up", "down"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    interface TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    stamp TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    user TEXT NOT NULL DEFAULT ''
)
"""


class FeedbackRecord(BaseModel):
    id: int
    created_at: str
    interface: str
    rating: Rating
    comment: str
    question: str
    answer: str
    citations: list[dict[str, Any]]
    stamp: dict[str, Any]
    user: str


class FeedbackStore:
    """Safe to share between threads; each call opens its own short connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(_SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> "FeedbackStore":
        return cls(data_dir / "feedback.sqlite3")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailableError(
                f"Cannot open the feedback store {self.path}: {exc}"
            ) from exc
        try:
            with db:
                yield db
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"Cannot write feedback to {self.path}: {exc}") from exc
        finally:
            db.close()

    def record(
        self, answer: Answer, rating: Rating, *, comment: str = "", interface: str, user: str = ""
    ) -> int:
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            interface,
            rating,
            comment[:2000],
            answer.question,
            answer.answer,
            json.dumps([c.model_dump() for c in answer.citations], ensure_ascii=False),
            answer.stamp.model_dump_json(),
            answer.model_dump_json(),
            user,
        )
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback (created_at, interface, rating, comment, question, answer, "
                "citations, stamp, answer_json, user) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid or 0)

    def records(self, rating: Rating | None = None) -> list[FeedbackRecord]:
        query = (
            "SELECT id, created_at, interface, rating, comment, question, answer, citations, "
            "stamp, user FROM feedback"
        )
        params: tuple[str, ...] = ()
        if rating:
            query += " WHERE rating = ?"
            params = (rating,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY id", params).fetchall()
        return [
            FeedbackRecord(
                id=r[0],
                created_at=r[1],
                interface=r[2],
                rating=r[3],
                comment=r[4],
                question=r[5],
                answer=r[6],
                citations=json.loads(r[7]),
                stamp=json.loads(r[8]),
                user=r[9],
            )
            for r in rows
        ]
