"""Every Python block in the README runs, offline, against a copy of the bundled knowledge.

The blocks of "Use from Python" run in order in one namespace, as a reader would type them,
in a folder laid out as a user's project (the knowledge copied into ``knowledge/``, the index
in ``.assistant/``, both in a temp dir). Where a block names the default address of a server,
the test's own server's address replaces it.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.interfaces.web import ChatPage
from assistant.knowledge.base import KnowledgeBase
from tests.conftest import ROOT
from tests.interfaces.web_doubles import launched

README = ROOT / "README.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
PYTHON_SECTION = "Use from Python"
PAGE_SECTION = "The chat page"
PRINTED = [
    "42.8 percent of GDP in 2023",
    "[1] china-digital-trade.md · ",
    "related · Related passage only",
    "asked as: What share of China's GDP was the digital economy in 2015?",
    "The question is empty: type a question about the documents.",
    "Chile in 2016",
    "['related', 'declined']",
    "1 china-digital-trade.md ",
    "Sources:\n[1] china-digital-trade.md",
    "27 percent in 2015",
]


def python_blocks() -> list[tuple[str, str]]:
    """Each ```python block of the README with the ``## `` section it is in."""
    text = README.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        if match[1] == "python":
            headings = re.findall(r"^## (.+)$", text[: match.start()], re.M)
            found.append((headings[-1], match[2]))
    return found


def run_blocks(blocks: list[str], replace: dict[str, str]) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for number, code in enumerate(blocks, start=1):
        for default, actual in replace.items():
            code = code.replace(default, actual)
        exec(compile(code, f"README.md python block {number}", "exec"), namespace)
    return namespace


@pytest.fixture
def page_url(bundled_kb: KnowledgeBase) -> Iterator[str]:
    with launched(ChatPage.open(bundled_kb)) as url:
        yield url


def test_every_python_block_is_run_by_a_test_here() -> None:
    """A block added elsewhere fails here until a test runs it."""
    sections = [section for section, _ in python_blocks()]
    assert set(sections) == {PYTHON_SECTION, PAGE_SECTION}


def test_use_from_python(
    knowledge_dir: Path, chroma_server: tuple[str, int], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    host, port = chroma_server
    monkeypatch.chdir(knowledge_dir.parent)
    blocks = [code for section, code in python_blocks() if section == PYTHON_SECTION]
    namespace = run_blocks(
        blocks, {'chroma_host="127.0.0.1", chroma_port=8000': f'chroma_host="{host}", '
                 f"chroma_port={port}"}
    )
    printed = capsys.readouterr().out
    for expected in PRINTED:
        assert expected in printed, f"{expected!r} not in:\n{printed}"
    assert namespace["report"].documents == 1
    assert namespace["kb"].settings.data_dir == knowledge_dir.parent / ".assistant"
    assert namespace["answer"].citations[0].source == "china-digital-trade.md"


def test_the_chat_page_api(page_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = [code for section, code in python_blocks() if section == PAGE_SECTION]
    run_blocks(blocks, {"http://127.0.0.1:7860/": page_url})
    printed = capsys.readouterr().out
    assert "42.8 percent" in printed and "[1]" in printed
