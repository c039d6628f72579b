"""Tracing passes through to LangSmith only when the user turns it on; by default nothing is sent.

Each case runs in a fresh process (LangSmith reads its environment once per process) that
records every TCP connection it attempts and refuses any beyond loopback.
"""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.knowledge.base import KnowledgeBase
from tests.conftest import ROOT

PROBE = """
import json, socket, sys

attempts = []
connect = socket.socket.connect

def recorded(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        attempts.append(list(address)[:2])
        if address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise OSError("outbound connections are refused in this test")
    return connect(self, address)

socket.socket.connect = recorded

from langchain_core.tracers.langchain import wait_for_all_tracers
from assistant import AnswerChain, HybridRetriever, answer_tool

question = "How many overseas warehouses had been established by 2024?"
answer = AnswerChain().invoke(question)
streamed = list(AnswerChain().stream(question))
documents = HybridRetriever().invoke(question)
text = answer_tool().invoke({"question": question})
wait_for_all_tracers()
print(json.dumps({"attempts": attempts, "cited": "[1]" in answer.answer and "[1]" in text}))
"""


class LangSmithDouble:
    """A stand-in for the LangSmith API on loopback: answers 200 to everything, keeps requests."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        double = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                double.requests.append((self.command, self.path, body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test reads ``requests``."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> "LangSmithDouble":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def probe_env(bundled_kb: KnowledgeBase) -> dict[str, str]:
    """The environment of a user's process: no tracing, the bundled article ingested."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ASSISTANT_", "OPENAI_", "SLACK_", "LANGSMITH_", "LANGCHAIN_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        ASSISTANT_DATA_DIR=str(bundled_kb.settings.data_dir),
        ASSISTANT_KNOWLEDGE_DIR=str(bundled_kb.settings.knowledge_dir),
    )
    return env


def run_probe(env: dict[str, str], cwd: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=cwd, capture_output=True, text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["cited"]
    return result


def test_nothing_is_traced_or_sent_by_default(probe_env: dict[str, str], tmp_path: Path) -> None:
    assert run_probe(probe_env, tmp_path)["attempts"] == []


def test_langsmith_tracing_passes_through_when_turned_on(
    probe_env: dict[str, str], tmp_path: Path
) -> None:
    with LangSmithDouble() as langsmith:
        env = {
            **probe_env,
            "LANGSMITH_TRACING": "true",
            "LANGSMITH_ENDPOINT": langsmith.url,
            "LANGSMITH_API_KEY": "test-key",
            "LANGSMITH_PROJECT": "probe",
        }
        result = run_probe(env, tmp_path)
    posted = b"".join(body for method, _, body in langsmith.requests if method == "POST")
    assert result["attempts"] and all(host == "127.0.0.1" for host, _ in result["attempts"])
    for name in (b"AnswerChain", b"HybridRetriever", b"ask_documents"):
        assert name in posted, name
