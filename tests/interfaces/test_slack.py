"""The Slack bot end to end: Bolt serving HTTP on 127.0.0.1, signed event requests, the bundled
knowledge, and a local fake of Slack's Web API that records what the bot sent."""

import hashlib
import hmac
import itertools
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from langchain_core.language_models import GenericFakeChatModel

from assistant.config import Settings
from assistant.feedback import FeedbackStore
from assistant.interfaces import slack_bot
from assistant.interfaces.slack import http_server
from assistant.interfaces.slack_blocks import FEEDBACK_EXPIRED, FEEDBACK_THANKS, PLACEHOLDER
from assistant.interfaces.slack_bot import SlackBot
from assistant.knowledge.base import KnowledgeBase
from assistant.search.retrieve import search
from tests.fakes import FakeSlackWebAPI

BOT_TOKEN = "xoxb-test-bot-token-0123456789"
SIGNING_SECRET = "test-signing-secret-9876543210"
CHANNEL = "C0GENERAL"
ALICE = "U0ALICE"
QUESTION = "What share of China's GDP was the digital economy in 2023?"


@dataclass
class RunningBot:
    bot: SlackBot
    url: str
    api: FakeSlackWebAPI
    settings: Settings
    stop: Callable[[], None]


@pytest.fixture
def slack_api() -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI(BOT_TOKEN) as api:
        yield api


@pytest.fixture
def start_bot(
    slack_api: FakeSlackWebAPI, bundled_kb: KnowledgeBase, tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., RunningBot]]:
    """Starts the bot configured the way an operator would: through the environment."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSISTANT_SLACK_API_URL", slack_api.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("ASSISTANT_SLACK_QUESTIONS_PER_MINUTE", "3")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "slack-data"))
    stops: list[Callable[[], None]] = []

    def start(chat_model: Any = None) -> RunningBot:
        settings = Settings()
        bot = SlackBot(settings, bundled_kb, chat_model=chat_model)
        server = http_server(bot, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stopped = threading.Event()

        def stop() -> None:
            """Stop taking events and finish every answer in progress."""
            if not stopped.is_set():
                stopped.set()
                server.shutdown()
                server.server_close()
                bot.close()

        stops.append(stop)
        url = f"http://127.0.0.1:{server.server_port}/slack/events"
        return RunningBot(bot, url, slack_api, settings, stop)

    yield start
    for stop in stops:
        stop()


@pytest.fixture
def running(start_bot: Callable[..., RunningBot]) -> RunningBot:
    return start_bot()


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def signed_request(
    url: str, body: str, content_type: str, secret: str, **headers: str
) -> urllib.request.Request:
    """A POST signed the way Slack signs: HMAC-SHA256 of ``v0:timestamp:body``."""
    timestamp = str(int(time.time()))
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature, **headers,
    })


def _signed_post(url: str, body: str, content_type: str, secret: str, **headers: str) -> int:
    request = signed_request(url, body, content_type, secret, **headers)
    try:
        with OPENER.open(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def send_event(
    running: RunningBot, event: dict[str, Any], *, event_id: str | None = None,
    secret: str = SIGNING_SECRET, **headers: str,
) -> int:
    envelope = {
        "token": "unused", "team_id": FakeSlackWebAPI.TEAM_ID, "api_app_id": "A0APP",
        "type": "event_callback", "event": event, "event_id": event_id or f"Ev{event['ts']}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": FakeSlackWebAPI.TEAM_ID, "user_id": "UBOT", "is_bot": True}],
    }
    return _signed_post(running.url, json.dumps(envelope), "application/json", secret, **headers)


def mention(
    running: RunningBot, text: str, *, user: str = ALICE, thread_ts: str | None = None
) -> dict[str, Any]:
    """A person mentions the bot: Slack stores the message, then delivers the event."""
    message = running.api.add_message(CHANNEL, user, f"<@UBOT> {text}", thread_ts)
    return {**message, "type": "app_mention", "channel": CHANNEL, "event_ts": message["ts"]}


def answered(running: RunningBot, thread_ts: str, count: int = 1) -> list[dict[str, Any]]:
    """Wait until ``count`` bot messages in the thread carry feedback buttons; return them."""

    def finished() -> list[dict[str, Any]]:
        return [
            m for m in running.api.thread(CHANNEL, thread_ts)
            if m.get("bot_id") and any(b["type"] == "actions" for b in m.get("blocks") or [])
        ]

    running.api.wait_for(lambda: len(finished()) >= count)
    return finished()


def bot_messages(running: RunningBot, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in running.api.thread(channel, thread_ts) if m.get("bot_id")]


def block_text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False)


def test_a_signed_mention_gets_one_threaded_answer_with_its_source(running: RunningBot) -> None:
    event = mention(running, QUESTION)
    assert send_event(running, event) == 200
    answered(running, event["ts"])
    running.stop()

    posts = running.api.calls_to("chat.postMessage")
    assert len(posts) == 1, "one message per question"
    assert posts[0]["thread_ts"] == event["ts"] and posts[0]["text"] == PLACEHOLDER
    [reply] = bot_messages(running, CHANNEL, event["ts"])
    updates = running.api.calls_to("chat.update")
    assert updates and {u["ts"] for u in updates} == {reply["ts"]}, "the placeholder is updated"
    assert "42.8 percent" in reply["text"] and "china-digital-trade.md" in reply["text"]
    blocks = block_text(reply)
    assert "42.8 percent of GDP in 2023" in blocks and "[1]" in blocks
    assert '"text": "china-digital-trade.md", "style": {"code": true}' in blocks
    assert "Related passage only" in blocks and "mode: extractive" in blocks


def test_a_follow_up_in_the_thread_uses_the_earlier_messages(running: RunningBot) -> None:
    first = mention(running, QUESTION)
    send_event(running, first)
    answered(running, first["ts"])

    follow_up = mention(running, "And in 2015?", thread_ts=first["ts"])
    assert send_event(running, follow_up) == 200
    replies = answered(running, first["ts"], count=2)
    running.stop()

    assert running.api.calls_to("conversations.replies")[0]["ts"] == first["ts"]
    latest = max(replies, key=lambda m: float(m["ts"]))
    assert "27 percent" in latest["text"], "2015 is answered from the question the thread asked"
    assert latest["thread_ts"] == first["ts"]
    assert "Not in the sources" not in block_text(latest)


def test_a_direct_message_is_answered_in_its_thread(running: RunningBot) -> None:
    message = running.api.add_message("D0ALICE", ALICE, QUESTION)
    event = {**message, "channel": "D0ALICE", "channel_type": "im"}
    edited = {**event, "subtype": "message_changed", "ts": "1700000999.000100"}
    assert send_event(running, event) == 200
    assert send_event(running, edited) == 200
    running.api.wait_for(lambda: any(
        "42.8" in m["text"] for m in bot_messages(running, "D0ALICE", event["ts"])
    ))
    running.stop()
    [post] = running.api.calls_to("chat.postMessage")
    assert post["channel"] == "D0ALICE" and post["thread_ts"] == event["ts"]


def test_a_message_delivered_as_mention_and_direct_message_is_answered_once(
    running: RunningBot,
) -> None:
    message = running.api.add_message("D0ALICE", ALICE, f"<@UBOT> {QUESTION}")
    assert send_event(running, {**message, "channel": "D0ALICE", "channel_type": "im"}) == 200
    assert send_event(running, {**message, "type": "app_mention", "channel": "D0ALICE"}) == 200
    running.stop()
    assert len(running.api.calls_to("chat.postMessage")) == 1


def test_a_bad_signature_is_rejected_with_401(running: RunningBot) -> None:
    event = mention(running, QUESTION)
    assert send_event(running, event, secret="not-the-signing-secret") == 401
    running.stop()
    assert running.api.calls == []


def test_the_request_url_check_is_answered_with_its_challenge(running: RunningBot) -> None:
    body = json.dumps({"token": "unused", "challenge": "c-123", "type": "url_verification"})
    request = signed_request(running.url, body, "application/json", SIGNING_SECRET)
    with OPENER.open(request, timeout=30) as response:
        assert json.loads(response.read()) == {"challenge": "c-123"}


def test_a_retry_or_repeated_event_id_gets_no_second_answer(running: RunningBot) -> None:
    event = mention(running, QUESTION)
    assert send_event(running, event) == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert send_event(running, event, **retry) == 200
    assert send_event(running, event) == 200
    running.stop()
    assert len(running.api.calls_to("chat.postMessage")) == 1
    [reply] = bot_messages(running, CHANNEL, event["ts"])
    assert "42.8" in reply["text"]


def test_own_and_other_bots_messages_are_ignored(running: RunningBot) -> None:
    own = running.api.add_message("D0ALICE", "UBOT", QUESTION, bot_id="BBOT")
    other = running.api.add_message("D0ALICE", "U0OTHERBOT", QUESTION, bot_id="B0OTHER")
    for message in (own, other):
        event = {**message, "channel": "D0ALICE", "channel_type": "im"}
        assert send_event(running, event) == 200
    bot_mention = mention(running, QUESTION, user="U0OTHERBOT")
    assert send_event(running, {**bot_mention, "bot_id": "B0OTHER"}) == 200
    running.stop()
    assert running.api.calls_to("chat.postMessage") == []


def _click(running: RunningBot, reply: dict[str, Any], action_id: str, value: str) -> int:
    payload = {
        "type": "block_actions", "team": {"id": FakeSlackWebAPI.TEAM_ID},
        "user": {"id": "U0BOB", "team_id": FakeSlackWebAPI.TEAM_ID},
        "api_app_id": "A0APP", "token": "unused", "trigger_id": "1.2.3",
        "container": {"type": "message", "message_ts": reply["ts"], "channel_id": CHANNEL},
        "channel": {"id": CHANNEL}, "message": reply,
        "actions": [{"type": "button", "block_id": "feedback", "action_id": action_id,
                     "value": value, "action_ts": str(time.time())}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    return _signed_post(running.url, body, "application/x-www-form-urlencoded", SIGNING_SECRET)


def test_a_feedback_click_stores_the_rating_with_the_answer(running: RunningBot) -> None:
    event = mention(running, QUESTION)
    send_event(running, event)
    [reply] = answered(running, event["ts"])
    [buttons] = [b for b in reply["blocks"] if b["type"] == "actions"]
    value = {e["action_id"]: e["value"] for e in buttons["elements"]}

    assert _click(running, reply, "feedback_down", value["feedback_down"]) == 200
    assert _click(running, reply, "feedback_up", "no-such-answer") == 200
    running.stop()

    [record] = FeedbackStore.in_data_dir(running.settings.data_dir).records()
    assert (record.interface, record.rating, record.user) == ("slack", "down", "U0BOB")
    assert record.question == QUESTION and "42.8" in record.answer
    assert record.citations[0]["source"] == "china-digital-trade.md"
    notes = [c["text"] for c in running.api.calls_to("chat.postEphemeral")]
    assert sorted(notes) == sorted([FEEDBACK_THANKS["down"], FEEDBACK_EXPIRED])


def test_the_rate_limit_replies_politely_in_the_thread(running: RunningBot) -> None:
    events = [mention(running, QUESTION) for _ in range(4)]
    for event in events:
        assert send_event(running, event) == 200
    bob = mention(running, QUESTION, user="U0BOB")
    send_event(running, bob)
    running.stop()

    replies = {e["ts"]: bot_messages(running, CHANNEL, e["ts"]) for e in [*events, bob]}
    assert all(len(r) == 1 for r in replies.values()), "one reply per question"
    polite = [ts for ts, [r] in replies.items() if "Please wait a moment" in r["text"]]
    assert len(polite) == 1 and polite[0] != bob["ts"], "only Alice's fourth question waits"
    assert sum("42.8" in r[0]["text"] for r in replies.values()) == 4


def test_a_429_from_the_web_api_is_retried(running: RunningBot) -> None:
    running.api.rate_limit_next("chat.postMessage")
    event = mention(running, QUESTION)
    send_event(running, event)
    [reply] = answered(running, event["ts"])
    running.stop()
    assert len(running.api.calls_to("chat.postMessage", status=429)) == 1
    assert len(running.api.calls_to("chat.postMessage")) == 1
    assert "42.8" in reply["text"]


def test_errors_become_a_short_reply_and_a_log_line_without_secrets(
    running: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    empty = mention(running, "")
    send_event(running, empty)
    running.api.fail("conversations.replies", "internal_error")
    broken = mention(running, "And in 2015?", thread_ts=empty["ts"])
    send_event(running, broken)
    running.stop()

    texts = [m["text"] for m in bot_messages(running, CHANNEL, empty["ts"])]
    assert any("The question is empty" in t for t in texts)
    assert any("Sorry, something went wrong" in t for t in texts)
    assert PLACEHOLDER not in texts
    failures = [
        r for r in caplog.records
        if r.name == "assistant.interfaces.slack_bot" and r.levelno >= logging.ERROR
    ]
    assert failures and "SlackApiError" in failures[0].getMessage()
    assert BOT_TOKEN not in caplog.text and SIGNING_SECRET not in caplog.text


def test_a_streaming_model_updates_the_one_message_as_it_writes(
    start_bot: Callable[..., RunningBot], bundled_kb: KnowledgeBase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hits = search(bundled_kb, QUESTION, bundled_kb.settings.top_k).hits
    n = next(i for i, hit in enumerate(hits, start=1) if "42.8 percent" in hit.text)
    claim = f"The digital economy made up 42.8 percent of GDP in 2023 [{n}]."
    running = start_bot(GenericFakeChatModel(messages=iter([claim])))
    monkeypatch.setattr(slack_bot, "UPDATE_INTERVAL_SECONDS", 0.0)
    event = mention(running, QUESTION)
    send_event(running, event)
    [reply] = answered(running, event["ts"])
    running.stop()

    assert len(running.api.calls_to("chat.postMessage")) == 1
    previews = [u["text"] for u in running.api.calls_to("chat.update") if "blocks" in u][:-1]
    assert len(previews) > 3 and all(p.endswith(" …") for p in previews)
    drafts = [p.removesuffix(" …") for p in previews]
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(drafts))
    assert reply["text"].startswith("The digital economy made up 42.8 percent of GDP in 2023 [1].")
    assert "mode: llm:GenericFakeChatModel" in block_text(reply)


def test_previews_wait_for_the_update_interval(
    slack_api: FakeSlackWebAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = slack_bot.web_client(Settings(slack_api_url=slack_api.url), BOT_TOKEN)
    ts = client.chat_postMessage(channel=CHANNEL, text=PLACEHOLDER)["ts"]
    monkeypatch.setattr(slack_bot, "UPDATE_INTERVAL_SECONDS", 3600.0)
    live = slack_bot.LiveMessage(client, slack_bot.Thread(CHANNEL, ts), ts)
    for piece in ["The ", "digital ", "economy"]:
        live.add(piece)
    assert slack_api.calls_to("chat.update") == []
    monkeypatch.setattr(slack_bot, "UPDATE_INTERVAL_SECONDS", 0.0)
    live.add(" grew.")
    [update] = slack_api.calls_to("chat.update")
    assert update["text"] == "The digital economy grew. …"


class HeldReplies:
    """A chat model's replies: the first at once, the rest only once ``release`` is set."""

    def __init__(self, reply: str) -> None:
        self.reply, self.release, self.first = reply, threading.Event(), True

    def __iter__(self) -> "HeldReplies":
        return self

    def __next__(self) -> str:
        if not self.first:
            self.release.wait(60)
        self.first = False
        return self.reply


def test_a_click_is_handled_while_every_answering_thread_is_busy(
    start_bot: Callable[..., RunningBot], bundled_kb: KnowledgeBase
) -> None:
    hits = search(bundled_kb, QUESTION, bundled_kb.settings.top_k).hits
    n = next(i for i, hit in enumerate(hits, start=1) if "42.8 percent" in hit.text)
    replies = HeldReplies(f"The digital economy made up 42.8 percent of GDP in 2023 [{n}].")
    running = start_bot(GenericFakeChatModel(messages=replies))
    first = mention(running, QUESTION)
    send_event(running, first)
    [reply] = answered(running, first["ts"])
    try:
        busy = [mention(running, QUESTION, user=f"U0USER{i}") for i in range(4)]
        for event in busy:
            send_event(running, event)
        running.api.wait_for(lambda: len(running.api.calls_to("chat.postMessage")) == 5)
        [buttons] = [b for b in reply["blocks"] if b["type"] == "actions"]
        assert _click(running, reply, "feedback_up", buttons["elements"][0]["value"]) == 200
        running.api.wait_for(lambda: bool(running.api.calls_to("chat.postEphemeral")))
        assert len(FeedbackStore.in_data_dir(running.settings.data_dir).records()) == 1
    finally:
        replies.release.set()
    running.stop()
    assert all("42.8" in bot_messages(running, CHANNEL, e["ts"])[0]["text"] for e in busy)


def test_small_talk_gets_a_short_reply_and_is_not_borrowed_by_a_follow_up(
    running: RunningBot,
) -> None:
    first = mention(running, QUESTION)
    send_event(running, first)
    answered(running, first["ts"])
    thanks = mention(running, "thanks!", thread_ts=first["ts"])
    send_event(running, thanks)
    running.api.wait_for(lambda: any(
        "welcome" in m["text"] for m in bot_messages(running, CHANNEL, first["ts"])
    ))
    follow_up = mention(running, "And in 2015?", thread_ts=first["ts"])
    send_event(running, follow_up)
    replies = answered(running, first["ts"], count=2)
    running.stop()

    [welcome] = [m for m in bot_messages(running, CHANNEL, first["ts"]) if "welcome" in m["text"]]
    assert "[1]" not in welcome["text"] and "Answers the question" not in block_text(welcome)
    assert not any(b["type"] == "actions" for b in welcome["blocks"])
    latest = max(replies, key=lambda m: float(m["ts"]))
    assert "27 percent" in latest["text"]


def test_a_summary_request_gets_cited_central_sentences(running: RunningBot) -> None:
    event = mention(running, "summarize the article")
    send_event(running, event)
    [reply] = answered(running, event["ts"])
    running.stop()
    assert reply["text"].startswith("Summary of “China’s Digital Economy and Digital Trade”")
    assert "Summary of the sources" in block_text(reply)
    assert "Answers the question" not in block_text(reply)
    heads = [
        b["elements"][0]["elements"][0]["text"] for b in reply["blocks"]
        if b["type"] == "rich_text" and b["elements"][0]["elements"][0].get("style")
    ]
    assert 3 <= len(heads) <= 6 and heads[:3] == ["[1] ", "[2] ", "[3] "]
