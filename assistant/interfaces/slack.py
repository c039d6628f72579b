"""``assistant slack``: the bot over Socket Mode or HTTP, until interrupted.

Only the ``slack*`` modules import slack_bolt and slack_sdk.
"""

import threading
from collections.abc import Callable

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.interfaces.slack_bot import SlackBot
from assistant.interfaces.slack_http import http_server
from assistant.knowledge.base import KnowledgeBase


def socket_mode_handler(bot: SlackBot) -> SocketModeHandler:
    """Socket Mode through the bot's own Web API client; nothing connects until ``connect()``."""
    return SocketModeHandler(
        bot.app, app_token=bot.credentials.app_token, web_client=bot.app.client
    )


def check_bot_token(bot: SlackBot) -> str:
    """Fail at start-up, not at the first question, when Slack rejects the bot token."""
    try:
        response = bot.app.client.auth_test()
    except SlackApiError as exc:
        raise ConfigurationError(
            f"Slack rejected SLACK_BOT_TOKEN ({exc.response.get('error')}): copy the Bot User "
            "OAuth Token again and reinstall the app to the workspace."
        ) from None
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot reach the Slack Web API at {bot.settings.slack_api_url} ({exc}); "
            "check the network or ASSISTANT_SLACK_API_URL."
        ) from None
    return f"{response.get('user')} in {response.get('team')}"


def serve_socket_mode(bot: SlackBot, announce: Callable[[str], None]) -> None:
    handler = socket_mode_handler(bot)
    try:
        handler.connect()
    except SlackApiError as exc:
        raise ConfigurationError(
            f"Slack refused a Socket Mode connection with SLACK_APP_TOKEN "
            f"({exc.response.get('error')}): generate an app-level token with "
            "connections:write and turn on Socket Mode in the app's settings."
        ) from None
    try:
        announce("Connected to Slack by Socket Mode; press Ctrl+C to stop.")
        threading.Event().wait()
    finally:
        handler.close()


def serve_http(bot: SlackBot, host: str, port: int, announce: Callable[[str], None]) -> None:
    server = http_server(bot, host, port)
    try:
        announce(f"Listening for Slack events at http://{host}:{port}/slack/events")
        server.serve_forever()
    finally:
        server.server_close()


def run(
    settings: Settings, knowledge: KnowledgeBase, *, host: str, port: int,
    announce: Callable[[str], None],
) -> None:
    """Serve until interrupted: Socket Mode when SLACK_APP_TOKEN is set, else HTTP."""
    bot = SlackBot(settings, knowledge)
    try:
        announce(f"Signed in to Slack as {check_bot_token(bot)}.")
        if bot.credentials.socket_mode:
            serve_socket_mode(bot, announce)
        else:
            serve_http(bot, host, port, announce)
    finally:
        bot.close()
