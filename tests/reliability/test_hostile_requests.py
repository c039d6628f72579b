"""Hostile requests to the Slack bot's real HTTP server: oversized, unsigned, malformed, replayed;
and where `assistant slack` listens when nobody says."""

import hashlib
import hmac
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest

from assistant.feedback import FeedbackStore
from assistant.interfaces.slack_blocks import FEEDBACK_ALREADY, FEEDBACK_THANKS
from assistant.interfaces.slack_http import MAX_BODY_BYTES
from assistant.knowledge.base import KnowledgeBase
from tests.conftest import KNOWLEDGE
from tests.fakes import FakeSlackWebAPI
from tests.interfaces.test_slack import (
    BOT_TOKEN,
    CHANNEL,
    OPENER,
    QUESTION,
    SIGNING_SECRET,
    RunningBot,
    answered,
    mention,
    send_event,
)
from tests.reliability.cases import SLACK_REQUESTS, SlackRequest

KINDS = list(SLACK_REQUESTS)


def signature(timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()


def request_bytes(url: str, request: SlackRequest, body: bytes) -> bytes:
    """The request as it goes on the wire; headers are latin-1, as HTTP/1.1 allows."""
    headers = {"Host": urlsplit(url).netloc, "Content-Length": str(len(body)), **request.headers}
    if request.signed_ago is not None:
        timestamp = str(int(time.time() - request.signed_ago))
        headers["X-Slack-Request-Timestamp"] = timestamp
        headers["X-Slack-Signature"] = signature(timestamp, body)
    lines = [f"POST {urlsplit(url).path} HTTP/1.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items() if value != ""]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def exchange(url: str, request: SlackRequest) -> tuple[int, dict[str, Any]]:
    """Send the request and read the answer. A body over the limit is not sent past its first
    64 KiB: the server must answer on the headers alone, without waiting for the rest."""
    body = request.body()
    sent = body if len(body) <= MAX_BODY_BYTES else body[:65536]
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:
        connection.sendall(request_bytes(url, request, body) + sent)
        if len(sent) == len(body):
            connection.shutdown(socket.SHUT_WR)  # a short body ends here
        response = b""
        while chunk := connection.recv(65536):
            response += chunk
    head, _, payload = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(payload)


@pytest.fixture
def running(start_bot: Callable[..., RunningBot]) -> RunningBot:
    return start_bot()


@pytest.mark.parametrize("kind", KINDS)
def test_a_hostile_request_is_refused_before_bolt_reads_it(
    running: RunningBot, kind: str, capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    status, answer = exchange(running.url, SLACK_REQUESTS[kind])
    assert (status, set(answer)) == (SLACK_REQUESTS[kind].status, {"error"}), answer
    assert send_event(running, mention(running, "ping"), secret="wrong-secret") == 401
    running.stop()
    assert running.api.calls == [], "nothing reached the bot's handlers"
    printed = capfd.readouterr()
    assert "Traceback" not in printed.err + printed.out + caplog.text


def click_body(reply: dict[str, Any], value: str) -> str:
    from urllib.parse import urlencode

    payload = {
        "type": "block_actions", "team": {"id": FakeSlackWebAPI.TEAM_ID},
        "user": {"id": "U0BOB", "team_id": FakeSlackWebAPI.TEAM_ID}, "api_app_id": "A0APP",
        "token": "unused", "trigger_id": "1.2.3", "channel": {"id": CHANNEL}, "message": reply,
        "container": {"type": "message", "message_ts": reply["ts"], "channel_id": CHANNEL},
        "actions": [{"type": "button", "block_id": "feedback", "action_id": "feedback_up",
                     "value": value, "action_ts": str(time.time())}],
    }
    return urlencode({"payload": json.dumps(payload)})


def test_a_replayed_click_rates_once(running: RunningBot) -> None:
    import urllib.request

    event = mention(running, QUESTION)
    send_event(running, event)
    [reply] = answered(running, event["ts"])
    [buttons] = [b for b in reply["blocks"] if b["type"] == "actions"]
    body = click_body(reply, buttons["elements"][0]["value"]).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": signature(timestamp, body)}
    for _ in range(3):  # the very same signed bytes, as a replaying attacker sends them
        request = urllib.request.Request(running.url, data=body, headers=headers, method="POST")
        with OPENER.open(request, timeout=30) as response:
            assert response.status == 200
    running.api.wait_for(lambda: len(running.api.calls_to("chat.postEphemeral")) == 3)
    running.stop()
    [record] = FeedbackStore.in_data_dir(running.settings.data_dir).records()
    assert (record.rating, record.user) == ("up", "U0BOB")
    notes = [c["text"] for c in running.api.calls_to("chat.postEphemeral")]
    assert sorted(notes) == sorted([FEEDBACK_THANKS["up"], FEEDBACK_ALREADY, FEEDBACK_ALREADY])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_slack_listens_on_loopback_by_default(
    slack_api: FakeSlackWebAPI, bundled_kb: KnowledgeBase
) -> None:
    port = free_port()
    env = {
        **os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "ASSISTANT_SLACK_API_URL": slack_api.url, "ASSISTANT_KNOWLEDGE_DIR": str(KNOWLEDGE),
        "ASSISTANT_DATA_DIR": str(bundled_kb.settings.data_dir),
    }
    command = [str(Path(sys.executable).with_name("assistant")), "slack", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        lines = [process.stderr.readline() for _ in range(2)]
        assert lines[-1].startswith(f"Listening for Slack events at http://127.0.0.1:{port}/")
        listening = [
            c.laddr for c in psutil.Process(process.pid).net_connections("inet")
            if c.status == psutil.CONN_LISTEN
        ]
        assert [(a.ip, a.port) for a in listening] == [("127.0.0.1", port)]
    finally:
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=60)
    assert "Stopped." in rest and "Traceback" not in rest
