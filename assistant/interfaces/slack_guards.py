"""What the Slack bot checks and remembers: its tokens, the events it has seen, how often each
person asks, and the recent answers its feedback buttons point at. No Slack imports.
"""

import threading
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass

from pydantic import SecretStr

from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.types import Answer

EVENT_MEMORY_SECONDS = 3600.0
RECENT_ANSWERS = 1000


@dataclass(frozen=True)
class Credentials:
    bot_token: str
    signing_secret: str
    app_token: str | None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


def _secret(value: SecretStr | None, variable: str, prefix: str, where: str) -> str:
    text = value.get_secret_value().strip() if value else ""
    if not text:
        raise ConfigurationError(f"{variable} is not set: {where}")
    if prefix and not text.startswith(prefix):
        raise ConfigurationError(f"{variable} should start with {prefix!r}: {where}")
    return text


def credentials(settings: Settings) -> Credentials:
    """The tokens the bot needs, or a ConfigurationError naming the missing variable."""
    bot = _secret(
        settings.slack_bot_token, "SLACK_BOT_TOKEN", "xoxb-",
        "copy the Bot User OAuth Token from your Slack app's OAuth & Permissions page.",
    )
    if settings.slack_app_token:
        app_token = _secret(
            settings.slack_app_token, "SLACK_APP_TOKEN", "xapp-",
            "create an app-level token with connections:write under Basic Information.",
        )
        return Credentials(bot, "", app_token)
    signing = _secret(
        settings.slack_signing_secret, "SLACK_SIGNING_SECRET", "",
        "copy the Signing Secret from your Slack app's Basic Information page, "
        "or set SLACK_APP_TOKEN to use Socket Mode instead.",
    )
    return Credentials(bot, signing, None)


class RecentEvents:
    """Event ids seen within the last ``ttl`` seconds, so a retried delivery is answered once."""

    def __init__(self, ttl: float = EVENT_MEMORY_SECONDS, capacity: int = 10_000) -> None:
        self.ttl, self.capacity = ttl, capacity
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, key: str) -> bool:
        """True the first time ``key`` is seen, False for every repeat while remembered."""
        now = time.monotonic()
        with self._lock:
            while self._seen and (
                len(self._seen) >= self.capacity or next(iter(self._seen.values())) < now - self.ttl
            ):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


class RateLimiter:
    """At most ``limit`` questions per user in any ``window`` seconds."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._asked: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, user: str) -> bool:
        now = time.monotonic()
        with self._lock:
            asked = self._asked.setdefault(user, deque())
            while asked and asked[0] <= now - self.window:
                asked.popleft()
            if len(asked) >= self.limit:
                return False
            asked.append(now)
            return True


class RecentAnswers:
    """The last answers by short id, so a feedback button can find its answer again, and who
    has rated each: one rating per person and answer, however often the click arrives."""

    def __init__(self, capacity: int = RECENT_ANSWERS) -> None:
        self.capacity = capacity
        self._answers: OrderedDict[str, tuple[Answer, set[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, answer: Answer) -> str:
        answer_id = uuid.uuid4().hex[:16]
        with self._lock:
            self._answers[answer_id] = (answer, set())
            while len(self._answers) > self.capacity:
                self._answers.popitem(last=False)
        return answer_id

    def get(self, answer_id: str) -> Answer | None:
        with self._lock:
            kept = self._answers.get(answer_id)
        return kept[0] if kept else None

    def claim_rating(self, answer_id: str, user: str) -> bool:
        """True the first time ``user`` rates the answer, False for every later click."""
        with self._lock:
            kept = self._answers.get(answer_id)
            if kept is None or user in kept[1]:
                return False
            kept[1].add(user)
            return True

    def release_rating(self, answer_id: str, user: str) -> None:
        """The rating could not be stored: the person may click again."""
        with self._lock:
            kept = self._answers.get(answer_id)
            if kept:
                kept[1].discard(user)
