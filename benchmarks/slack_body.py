"""What an unsigned oversized request costs the Slack bot's HTTP server.

``python -m benchmarks.slack_body [--code DIR] [--label NAME]`` starts the bot's real HTTP
server in a child process (run from the checkout at ``DIR``, to measure an older version),
sends it unsigned bodies and records, per body, the status, the seconds until the response, the
child's CPU seconds and its RSS growth (sampled every 10 ms), each body against a fresh server.
Results go to ``benchmarks/results/slack_body.json`` under ``NAME``. No Slack workspace is
contacted: nothing is signed, so nothing is answered.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import RESULTS, ROOT

MB = 1_000_000
BODIES: dict[str, tuple[str, bytes]] = {
    "28 MB form body (a=b& repeated)": (
        "application/x-www-form-urlencoded", b"a=b&" * (28 * MB // 4)
    ),
    "30 MB JSON array": ("application/json", b"[" + b"0," * (15 * MB - 1) + b"0]"),
    "900 kB form body (under the limit)": (
        "application/x-www-form-urlencoded", b"a=b&" * (900_000 // 4)
    ),
}

_CHILD = """
import inspect
import sys
from assistant.config import Settings
from assistant.interfaces.slack import http_server
from assistant.interfaces.slack_bot import SlackBot
from assistant.knowledge.base import KnowledgeBase

settings = Settings(
    data_dir=sys.argv[1], slack_bot_token="xoxb-bench", slack_signing_secret="bench-secret",
    slack_api_url="http://127.0.0.1:9/api/",
)
bot = SlackBot(settings, KnowledgeBase(settings))
takes_bot = "bot" in inspect.signature(http_server).parameters  # older versions took the app
server = http_server(bot if takes_bot else bot.app, "127.0.0.1", 0)
print(server.server_port, flush=True)
server.serve_forever()
"""


def _send(port: int, content_type: str, body: bytes) -> str:
    """POST ``body`` unsigned; the status line, or the error that ended the exchange."""
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=120) as connection:
        try:
            connection.sendall(head + body)
        except OSError as exc:  # the server answered and closed before reading it all
            sent = f" (sending stopped: {type(exc).__name__})"
        else:
            sent = ""
        try:
            return connection.recv(200).split(b"\r\n", 1)[0].decode() + sent
        except OSError as exc:
            return f"no response: {type(exc).__name__}{sent}"


def _measure(process: Any, port: int, content_type: str, body: bytes) -> dict[str, Any]:
    before_rss, before_cpu = process.memory_info().rss, sum(process.cpu_times()[:2])
    peak, done = before_rss, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    status = _send(port, content_type, body)
    seconds = time.perf_counter() - started
    time.sleep(0.2)  # let the server finish what it does after answering
    done.set()
    sampler.join()
    return {
        "status": status,
        "response_s": round(seconds, 3),
        "server_cpu_s": round(sum(process.cpu_times()[:2]) - before_cpu, 3),
        "rss_growth_mb": round((peak - before_rss) / MB, 1),
    }


def _fresh_server(code: Path, data: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, data], env=env, cwd=code, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )


def run(code: Path) -> dict[str, Any]:
    """Each body against a server of its own, so one body's memory does not hide another's."""
    import psutil

    rows = {}
    for name, (content_type, body) in BODIES.items():
        with tempfile.TemporaryDirectory() as data:
            child = _fresh_server(code, data)
            try:
                assert child.stdout is not None
                port = int(child.stdout.readline())
                rows[name] = _measure(psutil.Process(child.pid), port, content_type, body)
            finally:
                child.terminate()
                child.wait(10)
    return {"bodies": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="Checkout to measure.")
    parser.add_argument("--label", default="current", help="Key of this run in the results.")
    parser.add_argument("--out", type=Path, default=RESULTS / "slack_body.json")
    args = parser.parse_args()
    result = run(args.code.resolve())
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    previous[args.label] = result
    args.out.write_text(json.dumps(previous, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
