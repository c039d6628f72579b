"""The Slack bot's HTTP front door: what a request must be before Bolt reads it.

Bolt reads, decodes and parses a whole body before it checks the signature, so an unsigned body
of any size would cost memory and CPU first. Here, in front of it, a request to the events path
is refused with 413 when its ``Content-Length`` is above ``MAX_BODY_BYTES`` (nothing is read),
and with 401 unless the raw bytes carry Slack's signature (slack_sdk's ``SignatureVerifier``:
HMAC-SHA256 of ``v0:timestamp:body`` with the signing secret, timestamp within 5 minutes). Only
then does Bolt see it, and it checks the signature again.
"""

import io
import json
import logging
import sys
from collections.abc import Iterable
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from assistant.errors import ConfigurationError
from assistant.interfaces.slack_bot import SlackBot

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's own payloads are a few kB; a button click carries its message, at most ~100 kB.
MAX_BODY_BYTES = 1_048_576
READ_TIMEOUT_SECONDS = 10.0
_REASONS = {400: "Bad Request", 401: "Unauthorized", 413: "Content Too Large"}


def _reply(start_response: "StartResponse", status: int, error: str) -> Iterable[bytes]:
    body = json.dumps({"error": error}).encode()
    start_response(f"{status} {_REASONS[status]}", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
    ])
    return [body]


def _content_length(environ: "WSGIEnvironment") -> int | None:
    text = str(environ.get("CONTENT_LENGTH") or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


class SignedRequestsOnly:
    """WSGI middleware: POSTs to the events path reach ``app`` only signed and under the limit.

    Every refusal is one JSON line naming its cause and an access-log line, never a traceback.
    """

    def __init__(
        self, app: "WSGIApplication", signing_secret: str, max_bytes: int = MAX_BODY_BYTES
    ) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.verifier = SignatureVerifier(signing_secret)

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != EVENTS_PATH:
            return self.app(environ, start_response)  # Bolt answers 404, reading no body
        length = _content_length(environ)
        if length is None:
            return _reply(start_response, 401, "Content-Length is missing or not a number")
        if length > self.max_bytes:
            return _reply(start_response, 413, f"the body is over {self.max_bytes} bytes")
        body = self._read(environ, length)
        if body is None:
            return _reply(start_response, 401, "the body ended before its Content-Length")
        if not self._signed(environ, body):
            return _reply(
                start_response, 401,
                "no valid Slack signature (X-Slack-Signature of a timestamp within 5 minutes)",
            )
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            return self.app(environ, start_response)
        except Exception as exc:  # a signed body Bolt cannot read: not a request Slack sends
            log.warning("Refused a signed request Bolt could not read: %s", type(exc).__name__)
            return _reply(start_response, 400, "the signed body is not a Slack payload")

    def _read(self, environ: "WSGIEnvironment", length: int) -> bytes | None:
        try:
            body: bytes = environ["wsgi.input"].read(length)
        except OSError:
            return None
        return body if len(body) == length else None

    def _signed(self, environ: "WSGIEnvironment", body: bytes) -> bool:
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE")
        try:
            return self.verifier.is_valid(body, timestamp, signature)
        except (ValueError, TypeError):  # a timestamp that is no number, a body not UTF-8,
            return False  # a signature with characters hmac cannot compare


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One log line for a connection that failed outside the app, not a traceback."""
        log.warning("Request from %s failed: %s", client_address[0], sys.exc_info()[1])


class _RequestHandler(WSGIRequestHandler):
    # A client that stops sending (mid-headers or mid-body) is cut off instead of holding a
    # thread for good; Slack sends each request at once.
    timeout = READ_TIMEOUT_SECONDS

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def handle(self) -> None:
        try:
            super().handle()
        except OSError as exc:  # timed out or dropped while reading the request line
            log.info("%s: connection ended (%s)", self.address_string(), type(exc).__name__)


def http_server(bot: SlackBot, host: str, port: int) -> WSGIServer:
    """Bolt's WSGI adapter behind ``SignedRequestsOnly`` on a threading server: events at
    ``/slack/events``."""
    app = SignedRequestsOnly(
        SlackRequestHandler(bot.app, EVENTS_PATH), bot.credentials.signing_secret
    )
    try:
        return make_server(
            host, port, app, server_class=_ThreadingWSGIServer, handler_class=_RequestHandler
        )
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot listen on {host}:{port} ({exc.strerror}); choose another port with --port."
        ) from None
