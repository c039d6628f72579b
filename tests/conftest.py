"""Shared fixtures: real Chroma stores in temp dirs, the real bundled knowledge, no network.

Outbound sockets are blocked for every test by pytest-socket (see pyproject's addopts);
only loopback is allowed, for the local servers some tests start.
"""

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from tests.fakes import FakeOpenAIServer, KeywordHashEmbeddings

# Speed is measured in benchmarks/, never asserted: no property test fails for being slow on a
# busy machine.
settings.register_profile(
    "no-deadlines", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("no-deadlines")

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


def copy_bundled(target: Path) -> Path:
    """A folder holding a copy of the bundled article, and nothing a developer added beside it
    in knowledge/."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ARTICLE, target / ARTICLE.name)
    return target


def damaged_pdf(sentence: str) -> bytes:
    """A one-page PDF of ``sentence`` whose pointer to its cross-reference table points past the
    file's end: pypdf rebuilds the table and logs that it did."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(40, 700, sentence)
    page.save()
    data = buffer.getvalue()
    pointer = data.rindex(b"startxref\n") + len(b"startxref\n")
    return data[:pointer] + b"9" + data[pointer:]


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A writable copy of the bundled knowledge."""
    return copy_bundled(tmp_path / "knowledge")


@pytest.fixture
def settings(tmp_path: Path, knowledge_dir: Path) -> Settings:
    return Settings(knowledge_dir=knowledge_dir, data_dir=tmp_path / "data")


@pytest.fixture
def fast_kb(settings: Settings) -> KnowledgeBase:
    """A real Chroma store with a fast keyword embedding, for tests of mechanics, not quality."""
    return KnowledgeBase(settings, embeddings=KeywordHashEmbeddings())


@pytest.fixture
def kb(fast_kb: KnowledgeBase) -> KnowledgeBase:
    """The bundled knowledge synced into ``fast_kb``: mechanics, not answer quality."""
    sync(fast_kb)
    return fast_kb


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    """A local OpenAI-compatible server replying as each test scripts it."""
    with FakeOpenAIServer() as running:
        yield running


@pytest.fixture(scope="session")
def bundled_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """The bundled article ingested once with the real ONNX model; tests must not change it."""
    data = tmp_path_factory.mktemp("bundled-data")
    knowledge = copy_bundled(tmp_path_factory.mktemp("bundled-knowledge"))
    kb = KnowledgeBase(Settings(knowledge_dir=knowledge, data_dir=data))
    report = sync(kb)
    assert report.documents == 1 and not report.skipped
    yield kb


@pytest.fixture(scope="session")
def synced_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out as a user's project: a copy of the bundled knowledge in ``knowledge/``
    and its index in ``.assistant/`` (the default settings, relative to it), synced once."""
    root = tmp_path_factory.mktemp("workspace")
    shutil.copytree(KNOWLEDGE, root / "knowledge")
    report = sync(KnowledgeBase(Settings(knowledge_dir=root / "knowledge",
                                         data_dir=root / ".assistant")))
    assert report.documents == 1 and not report.skipped
    return root


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real `chroma run` on loopback (or the one named by ASSISTANT_TEST_CHROMA_PORT)."""
    from benchmarks.server import chroma_server as running_chroma

    given = os.environ.get("ASSISTANT_TEST_CHROMA_PORT")
    if given:
        yield "127.0.0.1", int(given)
        return
    with running_chroma(tmp_path_factory.mktemp("chroma-server")) as server:
        yield server.host, server.port
