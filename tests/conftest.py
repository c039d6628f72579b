"""Shared fixtures: real Chroma stores in temp dirs, the real bundled knowledge, no network.

Outbound sockets are blocked for every test by pytest-socket (see pyproject's addopts);
only loopback is allowed, for the local servers some tests start.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.ingest import sync
from assistant.knowledge import KnowledgeBase
from tests.fakes import KeywordHashEmbeddings

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
ARTICLE = KNOWLEDGE / "china-digital-trade.md"

_ENV_PREFIXES = ("ASSISTANT_", "OPENAI_", "SLACK_")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the settings they set; a developer's keys never leak in."""
    for name in list(os.environ):
        if name.startswith(_ENV_PREFIXES):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    monkeypatch.setenv("ORT_DISABLE_TELEMETRY", "1")


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A writable copy of the bundled knowledge."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, knowledge_dir: Path) -> Settings:
    return Settings(knowledge_dir=knowledge_dir, data_dir=tmp_path / "data")


@pytest.fixture
def fast_kb(settings: Settings) -> KnowledgeBase:
    """A real Chroma store with a fast keyword embedding, for tests of mechanics, not quality."""
    return KnowledgeBase(settings, embeddings=KeywordHashEmbeddings())


@pytest.fixture(scope="session")
def bundled_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """The bundled article ingested once with the real ONNX model; tests must not change it."""
    data = tmp_path_factory.mktemp("bundled-data")
    kb = KnowledgeBase(Settings(knowledge_dir=KNOWLEDGE, data_dir=data))
    report = sync(kb)
    assert report.documents == 1 and not report.skipped
    yield kb


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real `chroma run` on loopback (or the one named by ASSISTANT_TEST_CHROMA_PORT)."""
    import subprocess
    import sys
    import time
    import urllib.request

    given = os.environ.get("ASSISTANT_TEST_CHROMA_PORT")
    if given:
        yield "127.0.0.1", int(given)
        return
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("chroma run did not answer its heartbeat within 30 s")
    yield "127.0.0.1", port
    process.terminate()
    process.wait(timeout=10)
