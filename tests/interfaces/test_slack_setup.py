"""Starting the Slack bot: credentials, Socket Mode wiring (no connection), the CLI command, and
the in-memory guards against repeats and floods."""

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from slack_bolt import BoltRequest
from typer.testing import CliRunner

from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.interfaces.cli import app
from assistant.interfaces.slack import (
    check_bot_token,
    http_server,
    serve_socket_mode,
    socket_mode_handler,
)
from assistant.interfaces.slack_bot import SlackBot
from assistant.interfaces.slack_guards import (
    RateLimiter,
    RecentAnswers,
    RecentEvents,
    credentials,
)
from assistant.knowledge.base import KnowledgeBase
from tests.fakes import FakeSlackWebAPI

BOT_TOKEN = "xoxb-setup-bot-token"
APP_TOKEN = "xapp-1-setup-app-token"


def slack_settings(**tokens: str) -> Settings:
    return Settings.model_validate({name: SecretStr(value) for name, value in tokens.items()})


@pytest.fixture
def slack_api() -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI(BOT_TOKEN) as api:
        yield api


def test_tokens_are_read_under_their_standard_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh")
    monkeypatch.setenv("ASSISTANT_SLACK_API_URL", "http://127.0.0.1:9/api")
    settings = Settings()
    given = credentials(settings)
    assert (given.bot_token, given.signing_secret, given.socket_mode) == (BOT_TOKEN, "shh", False)
    assert BOT_TOKEN not in repr(settings) and "shh" not in repr(settings)
    assert settings.slack_api_url == "http://127.0.0.1:9/api"


@pytest.mark.parametrize(
    ("tokens", "named"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "  "}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN should start with 'xoxb-'"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN should"),
    ],
)
def test_missing_or_wrong_tokens_name_the_variable(tokens: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named) as raised:
        credentials(slack_settings(**tokens))
    assert all(value.strip() not in str(raised.value) for value in tokens.values() if value.strip())


def test_socket_mode_needs_no_signing_secret_and_connects_through_the_bots_client(
    slack_api: FakeSlackWebAPI, bundled_kb: KnowledgeBase
) -> None:
    settings = slack_settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
    settings.slack_api_url = slack_api.url
    bot = SlackBot(settings, bundled_kb)
    handler = socket_mode_handler(bot)
    try:
        assert bot.credentials.socket_mode and handler.app is bot.app
        assert handler.app_token == APP_TOKEN and handler.client.app_token == APP_TOKEN
        assert handler.client.web_client is bot.app.client
        assert bot.app.client.base_url == slack_api.url and bot.app.client.token == BOT_TOKEN
        assert handler.handle in handler.client.socket_mode_request_listeners
        assert handler.client.current_session is None
        assert slack_api.calls == [], "building the handler contacts nobody"
        question = slack_api.add_message("D0A", "U0A", "What share of GDP was the digital economy?")
        event = {**question, "channel": "D0A", "channel_type": "im"}
        envelope = {"type": "event_callback", "event_id": "Ev1", "team_id": "T0001", "event": event}
        response = bot.app.dispatch(BoltRequest(body=envelope, mode="socket_mode"))
        assert response.status == 200, "Socket Mode requests carry no signature to check"
        slack_api.wait_for(lambda: "42.8" in slack_api.messages["D0A"][-1]["text"])
    finally:
        handler.close()
        bot.close()


def test_a_port_in_use_is_a_clear_error(bundled_kb: KnowledgeBase) -> None:
    bot = SlackBot(slack_settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="s"), bundled_kb)
    taken = http_server(bot, "127.0.0.1", 0)
    try:
        with pytest.raises(ConfigurationError, match="choose another port with --port"):
            http_server(bot, "127.0.0.1", taken.server_port)
    finally:
        taken.server_close()
        bot.close()


def test_the_cli_names_a_missing_token_before_doing_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["slack", "--port", "3999"])
    assert result.exit_code == 2
    assert "SLACK_BOT_TOKEN is not set" in result.output
    assert not (tmp_path / "data").exists(), "nothing was ingested"


def test_answering_questions_from_the_cli_does_not_load_slack() -> None:
    code = (
        "import sys, assistant.interfaces.cli, assistant.answer.core; "
        "print(sorted(m for m in sys.modules if m.startswith(('slack_bolt', 'slack_sdk'))))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_an_event_id_is_claimed_once_until_forgotten() -> None:
    events = RecentEvents(capacity=2)
    assert events.claim("Ev1") and not events.claim("Ev1")
    assert events.claim("Ev2") and events.claim("Ev3")
    assert events.claim("Ev1"), "the oldest id is forgotten beyond capacity"
    expired = RecentEvents(ttl=-1.0)
    assert expired.claim("Ev1") and expired.claim("Ev1")


def test_the_rate_limit_counts_each_person_separately() -> None:
    limiter = RateLimiter(limit=2)
    assert [limiter.allow("U1") for _ in range(3)] == [True, True, False]
    assert limiter.allow("U2")
    forgetful = RateLimiter(limit=1, window=-1.0)
    assert forgetful.allow("U1") and forgetful.allow("U1")


def test_recent_answers_are_bounded(bundled_kb: KnowledgeBase) -> None:
    from assistant.answer.core import ask

    answer = ask("What share of GDP was the digital economy in 2023?", knowledge=bundled_kb)
    recent = RecentAnswers(capacity=2)
    first, second, third = (recent.put(answer) for _ in range(3))
    assert recent.get(first) is None and recent.get(third) == answer
    assert len({first, second, third}) == 3 and recent.get("unknown") is None


def test_the_cli_prints_the_app_manifest() -> None:
    result = CliRunner().invoke(app, ["slack", "--manifest"])
    assert result.exit_code == 0
    assert "socket_mode_enabled: true" in result.output and "app_mention" in result.output


def test_start_up_names_a_bot_token_slack_rejects(
    slack_api: FakeSlackWebAPI, bundled_kb: KnowledgeBase
) -> None:
    settings = slack_settings(SLACK_BOT_TOKEN="xoxb-revoked", SLACK_SIGNING_SECRET="s")
    settings.slack_api_url = slack_api.url
    bot = SlackBot(settings, bundled_kb)
    try:
        with pytest.raises(ConfigurationError, match=r"rejected SLACK_BOT_TOKEN \(invalid_auth"):
            check_bot_token(bot)
    finally:
        bot.close()


def test_start_up_names_the_api_url_it_cannot_reach(bundled_kb: KnowledgeBase) -> None:
    settings = slack_settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="s")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.slack_api_url = f"http://127.0.0.1:{closed.getsockname()[1]}/api/"
    bot = SlackBot(settings, bundled_kb)
    try:
        with pytest.raises(ConfigurationError, match="Cannot reach the Slack Web API at http://127"):
            check_bot_token(bot)
    finally:
        bot.close()


def test_socket_mode_names_an_app_token_slack_refuses(
    slack_api: FakeSlackWebAPI, bundled_kb: KnowledgeBase
) -> None:
    settings = slack_settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
    settings.slack_api_url = slack_api.url
    bot = SlackBot(settings, bundled_kb)
    try:
        with pytest.raises(ConfigurationError, match=r"SLACK_APP_TOKEN \(invalid_auth\)"):
            serve_socket_mode(bot, print)
    finally:
        bot.close()
    [opened] = [c for c in slack_api.calls if c["method"] == "apps.connections.open"]
    assert opened["status"] == 200
