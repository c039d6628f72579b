"""The Slack bot's Bolt app: cited answers to mentions and direct messages, in threads, with
feedback buttons.

Bolt checks request signatures and acks each event at once; the answering runs on the bot's own
thread pool, so Slack gets its ack within its 3 seconds however long an answer takes.
"""

import logging
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from assistant.answer.core import ask_stream
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.feedback import FeedbackStore, Rating
from assistant.interfaces.slack_blocks import (
    FEEDBACK_ACTIONS,
    FEEDBACK_ALREADY,
    FEEDBACK_EXPIRED,
    FEEDBACK_THANKS,
    GENERIC_FAILURE,
    PLACEHOLDER,
    Message,
    answer_message,
    escape,
    notice_message,
    progress_message,
    question_text,
    thread_turn,
    warning_message,
)
from assistant.interfaces.slack_guards import RateLimiter, RecentAnswers, RecentEvents, credentials
from assistant.knowledge.base import KnowledgeBase
from assistant.types import Answer

log = logging.getLogger(__name__)

UPDATE_INTERVAL_SECONDS = 1.0


def web_client(settings: Settings, token: str) -> WebClient:
    """A Web API client that waits out 429s (Retry-After) and retries dropped connections."""
    return WebClient(
        token=token,
        base_url=settings.slack_api_url.rstrip("/") + "/",
        retry_handlers=[
            ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=3)
        ],
    )


class _TokenInClientFilter(logging.Filter):
    """Bolt also reads SLACK_BOT_TOKEN and warns that it is unused beside a client, which is
    built from that same token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _drop_token_warning() -> None:
    bolt = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _TokenInClientFilter) for f in bolt.filters):
        bolt.addFilter(_TokenInClientFilter())


@dataclass(frozen=True)
class Thread:
    channel: str
    ts: str


class LiveMessage:
    """Shows a streamed answer in the placeholder message, at most once per interval."""

    def __init__(self, client: WebClient, thread: Thread, ts: str) -> None:
        self.client, self.thread, self.ts = client, thread, ts
        self.text = ""
        self.updated = time.monotonic()

    def add(self, piece: str) -> None:
        self.text += piece
        if self.text.strip() and time.monotonic() - self.updated >= UPDATE_INTERVAL_SECONDS:
            self.updated = time.monotonic()
            message = progress_message(self.text)
            try:
                self.client.chat_update(channel=self.thread.channel, ts=self.ts, **message)
            except SlackApiError as exc:
                error = exc.response.get("error")
                log.warning("Skipped a preview in %s: %s", self.thread.channel, error)


class SlackBot:
    """A Bolt app answering from one shared knowledge base; ``close()`` finishes what it started."""

    def __init__(
        self,
        settings: Settings,
        knowledge: KnowledgeBase,
        *,
        feedback: FeedbackStore | None = None,
        chat_model: Any = None,
    ) -> None:
        self.settings, self.knowledge, self.chat_model = settings, knowledge, chat_model
        self.credentials = credentials(settings)
        self.feedback = feedback or FeedbackStore.in_data_dir(settings.data_dir)
        self.events = RecentEvents()
        self.limiter = RateLimiter(settings.slack_questions_per_minute)
        self.answers = RecentAnswers()
        # Bolt's pool acks and posts placeholders; answers run on their own pool, so a button
        # click is acknowledged at once even while every answering thread is busy.
        self.listeners = ThreadPoolExecutor(max_workers=8, thread_name_prefix="slack-listener")
        self.answering = ThreadPoolExecutor(max_workers=4, thread_name_prefix="slack-answer")
        _drop_token_warning()
        self.app = App(
            name="assistant",
            client=web_client(settings, self.credentials.bot_token),
            signing_secret=self.credentials.signing_secret,
            request_verification_enabled=not self.credentials.socket_mode,
            token_verification_enabled=False,
            listener_executor=self.listeners,
        )
        self.app.middleware(self._skip_repeats)
        self.app.event("app_mention")(self._on_mention)
        self.app.event("message")(self._on_message)
        self.app.action(re.compile(r"^feedback_(up|down)$"))(self._on_feedback)

    def close(self) -> None:
        """Wait for the events taken and the answers in progress, then stop both pools."""
        self.listeners.shutdown(wait=True)
        self.answering.shutdown(wait=True)

    def _redact(self, text: str) -> str:
        given = self.credentials
        for secret in (given.bot_token, given.signing_secret, given.app_token):
            if secret:
                text = text.replace(secret, "[redacted]")
        return text

    def _skip_repeats(
        self, request: BoltRequest, body: dict[str, Any], next_: Callable[[], BoltResponse]
    ) -> BoltResponse:
        """Slack redelivers an event it thinks timed out; the event id says it was seen."""
        event_id = body.get("event_id")
        if isinstance(event_id, str) and not self.events.claim(event_id):
            retry = request.headers.get("x-slack-retry-num", ["-"])[0]
            log.info("Ignored repeated delivery of event %s (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="")
        return next_()

    def _on_mention(self, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        self._take_question(event, client, context)

    def _on_message(self, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if event.get("channel_type") == "im" and not event.get("subtype"):
            self._take_question(event, client, context)

    def _take_question(
        self, event: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        """Filter, rate-limit and post the placeholder; the answer itself is queued."""
        if event.get("bot_id") or not event.get("user"):
            return
        if not self.events.claim(f"{event['channel']}/{event['ts']}"):
            return  # the same message also arrived as the other event type
        thread = Thread(event["channel"], event.get("thread_ts") or event["ts"])
        try:
            if not self.limiter.allow(event["user"]):
                self._post(client, thread, notice_message(self._slow_down()))
                return
            reply_ts = self._post(client, thread, notice_message(PLACEHOLDER))
        except Exception as exc:
            self._report_failure(client, thread, None, exc)
            return
        self.answering.submit(self._reply, event, client, context, thread, reply_ts)

    def _reply(
        self, event: dict[str, Any], client: WebClient, context: BoltContext,
        thread: Thread, reply_ts: str,
    ) -> None:
        try:
            answer = self._answer(event, client, context, thread, reply_ts)
            message = answer_message(answer, self.answers.put(answer))
            client.chat_update(channel=thread.channel, ts=reply_ts, **message)
        except Exception as exc:
            self._report_failure(client, thread, reply_ts, exc)

    def _answer(
        self, event: dict[str, Any], client: WebClient, context: BoltContext,
        thread: Thread, reply_ts: str,
    ) -> Answer:
        in_thread = bool(event.get("thread_ts"))
        history = self._history(client, thread, event["ts"], context) if in_thread else []
        live = LiveMessage(client, thread, reply_ts)
        answer: Answer | None = None
        for piece in ask_stream(
            question_text(event.get("text", "")), history=history, settings=self.settings,
            knowledge=self.knowledge, chat_model=self.chat_model,
        ):
            if isinstance(piece, Answer):
                answer = piece
            else:
                live.add(piece)
        assert answer is not None
        return answer

    def _history(
        self, client: WebClient, thread: Thread, before: str, context: BoltContext
    ) -> list[dict[str, str]]:
        """The thread's earlier messages as turns: the bot's as the assistant's, people's as the
        user's (every page of conversations.replies)."""
        pages: Iterable[Any] = client.conversations_replies(
            channel=thread.channel, ts=thread.ts, limit=200
        )
        messages = [m for page in pages for m in page.get("messages", [])]
        earlier = [m for m in messages if Decimal(m["ts"]) < Decimal(before)]
        turns = (thread_turn(m, context.bot_user_id, context.bot_id) for m in earlier)
        return [turn for turn in turns if turn is not None]

    def _post(self, client: WebClient, thread: Thread, message: Message) -> str:
        response = client.chat_postMessage(channel=thread.channel, thread_ts=thread.ts, **message)
        return str(response["ts"])

    def _slow_down(self) -> str:
        limit = self.settings.slack_questions_per_minute
        return (
            f":hourglass: You have asked {limit} questions in the last minute, the most I answer "
            "for one person. Please wait a moment, then ask again."
        )

    def _report_failure(
        self, client: WebClient, thread: Thread, reply_ts: str | None, exc: Exception
    ) -> None:
        """A short reply in the thread, and one log line without secrets."""
        if isinstance(exc, AssistantError):
            log.warning("Could not answer in %s: %s", thread.channel, self._redact(str(exc)))
            reply = warning_message(self._redact(str(exc)))
        else:
            log.error(
                "Answering in %s failed: %s: %s",
                thread.channel, type(exc).__name__, self._redact(str(exc)),
            )
            reply = notice_message(GENERIC_FAILURE)
        try:
            if reply_ts:
                client.chat_update(channel=thread.channel, ts=reply_ts, **reply)
            else:
                self._post(client, thread, reply)
        except Exception as again:
            log.error("Could not reply in %s: %s", thread.channel, self._redact(str(again)))

    def _on_feedback(
        self, ack: Callable[[], None], action: dict[str, Any], body: dict[str, Any],
        client: WebClient,
    ) -> None:
        ack()
        user = body["user"]["id"]
        message = body.get("message", {})
        client.chat_postEphemeral(
            channel=body["channel"]["id"], user=user,
            text=self._rate(action.get("value", ""), user, FEEDBACK_ACTIONS[action["action_id"]]),
            thread_ts=message.get("thread_ts") or message.get("ts"),
        )

    def _rate(self, answer_id: str, user: str, rating: Rating) -> str:
        """Store one rating per person and answer; the reply says what happened."""
        answer = self.answers.get(answer_id)
        if answer is None:
            return FEEDBACK_EXPIRED
        if not self.answers.claim_rating(answer_id, user):
            log.info("Ignored a repeated rating of answer %s by %s", answer_id, user)
            return FEEDBACK_ALREADY
        try:
            self.feedback.record(answer, rating, interface="slack", user=user)
        except AssistantError as exc:
            self.answers.release_rating(answer_id, user)
            log.error("Could not store feedback: %s", exc)
            return f":warning: {escape(str(exc))}"
        return FEEDBACK_THANKS[rating]
