"""Bad documents through sync, the CLI's ingest and the chat page's upload: each is indexed or
skipped with its reason, nothing crashes, nothing stored is lost."""

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import gradio as gr
import pytest

from assistant.errors import DocumentError
from assistant.interfaces.web import ChatPage
from assistant.interfaces.web_files import safe_file_name
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from tests.reliability.cases import UPLOAD_NAMES
from tests.reliability.conftest import assert_facts_still_answered
from tests.reliability.files import DOCUMENTS, contents
from tests.reliability.test_bad_questions import run_cli

KINDS = list(DOCUMENTS)
CONTROL = ("\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f")


def write_all(folder: Path) -> None:
    for kind, (name, _, _) in DOCUMENTS.items():
        (folder / name).write_bytes(contents(kind))


def test_sync_indexes_or_skips_each_with_its_reason(kb: KnowledgeBase) -> None:
    write_all(kb.settings.knowledge_dir)
    report = sync(kb)
    skipped = {s.path: s.reason for s in report.skipped}
    for name, _, reason in DOCUMENTS.values():
        if reason:
            assert reason in skipped.pop(name), name
        else:
            assert name in report.added
    assert skipped == {}
    chunks = list(kb.store.active_chunks(kb.manifest()))
    assert {c["metadata"]["source"] for c in chunks} == set(kb.manifest())
    assert not any(c in chunk["text"] for chunk in chunks for c in CONTROL)
    assert_facts_still_answered(kb)
    again = sync(kb)
    assert again.added == again.updated == [] and len(again.unchanged) == len(kb.manifest())


def test_cli_ingest_reports_each_skipped_file(kb: KnowledgeBase, tmp_path: Path) -> None:
    write_all(kb.settings.knowledge_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env |= {"ASSISTANT_KNOWLEDGE_DIR": str(kb.settings.knowledge_dir),
            "ASSISTANT_DATA_DIR": str(tmp_path / "cli-data")}
    result = run_cli(env, "ingest", "--json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped.keys() == {name for name, _, reason in DOCUMENTS.values() if reason}
    assert report["documents"] == 1 + sum(not reason for *_, reason in DOCUMENTS.values())
    asked = run_cli(env, "ask", "What share of China's GDP was the digital economy in 2023?")
    assert asked.returncode == 0 and "42.8 percent" in asked.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_chat_upload(kb: KnowledgeBase, tmp_path: Path, kind: str) -> None:
    name, _, reason = DOCUMENTS[kind]
    upload = tmp_path / "upload" / name
    upload.parent.mkdir()
    upload.write_bytes(contents(kind))
    page = ChatPage.open(kb)
    before = sorted(p.name for p in kb.settings.knowledge_dir.iterdir())
    if reason:
        with pytest.raises(gr.Error, match=r"not (a )?supported|not added"):
            page.upload([str(upload)], lambda *_: None)
        assert sorted(p.name for p in kb.settings.knowledge_dir.iterdir()) == before
    else:
        rows, *_ = page.upload([str(upload)], lambda *_: None)
        assert name in [row[0] for row in rows]
    assert_facts_still_answered(kb)


def test_an_oversized_upload_is_refused_before_it_is_copied(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    small = kb.settings.model_copy(update={"max_file_bytes": 100_000})
    page = ChatPage.open(KnowledgeBase(small, embeddings=kb.embeddings))
    upload = tmp_path / "big.txt"
    upload.write_bytes(contents("a 2 MB line without punctuation"))
    with pytest.raises(gr.Error, match="the limit is 100,000"):
        page.upload([str(upload)], lambda *_: None)
    assert not (kb.settings.knowledge_dir / "big.txt").exists()
    assert_facts_still_answered(kb)


@pytest.mark.parametrize("name", list(UPLOAD_NAMES))
def test_upload_names_cannot_leave_the_knowledge_dir(
    kb: KnowledgeBase, tmp_path: Path, name: str
) -> None:
    expected = UPLOAD_NAMES[name]
    if not expected:
        with pytest.raises(DocumentError, match="not a supported file"):
            safe_file_name(name)
        return
    assert safe_file_name(name) == expected
    everything_before = {p for p in tmp_path.rglob("*") if p.is_file()}
    upload = tmp_path / "upload" / "x"
    upload.parent.mkdir()
    upload.write_text("Tariffs on widgets rose to 9 percent in 2024.", encoding="utf-8")
    # Gradio hands over a temporary path ending in the client's name; the name is what counts.
    renamed = upload.with_name(expected)
    upload.rename(renamed)
    ChatPage.open(kb).upload([str(renamed)], lambda *_: None)
    added = {p for p in tmp_path.rglob("*") if p.is_file()} - everything_before - {renamed}
    knowledge = kb.settings.knowledge_dir.resolve()
    outside = [p for p in added if not p.resolve().is_relative_to(knowledge)]
    assert [p.name for p in outside if "data" not in p.parts] == []
    assert (knowledge / expected).is_file() and expected in kb.manifest()


BOMB_LOADER = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from assistant.errors import DocumentError
from assistant.knowledge.loaders import load_bytes
path = sys.argv[1]
try:
    load_bytes(open(path, "rb").read(), path.rsplit("/", 1)[-1])
except DocumentError as exc:
    print("refused:", exc)
"""


@pytest.mark.parametrize("kind", ["DOCX bomb (300 MB expanded)", "PDF bomb (512 MB stream)"])
def test_a_bomb_is_refused_within_a_1_gb_address_space(tmp_path: Path, kind: str) -> None:
    """Parsing stays bounded: under a 1 GB memory limit the bomb is refused, not exploded."""
    path = tmp_path / DOCUMENTS[kind][0]
    path.write_bytes(contents(kind))
    result = subprocess.run(
        [sys.executable, "-c", BOMB_LOADER, str(path)], capture_output=True, text=True,
        timeout=120, cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("refused:") and DOCUMENTS[kind][2] in result.stdout
    assert resource.getrlimit(resource.RLIMIT_AS)[0] != 1 << 30  # the limit was the child's
