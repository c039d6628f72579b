import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.errors import EmptyStoreError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.knowledge.records import DocumentRecord
from assistant.search.retrieve import search
from tests.conftest import damaged_pdf
from tests.fakes import KeywordHashEmbeddings


def test_second_sync_embeds_nothing(fast_kb: KnowledgeBase) -> None:
    first = sync(fast_kb)
    assert first.added == ["china-digital-trade.md"] and first.chunks_embedded == first.chunks
    second = sync(fast_kb)
    assert second.unchanged == ["china-digital-trade.md"]
    assert second.chunks_embedded == 0 and second.fingerprint == first.fingerprint


def test_add_change_delete_are_reflected(fast_kb: KnowledgeBase, knowledge_dir: Path) -> None:
    sync(fast_kb)
    note = knowledge_dir / "notes" / "brazil.txt"
    note.parent.mkdir()
    note.write_text("Brazil opened 12 digital trade offices in 2022.")
    added = sync(fast_kb)
    assert added.added == ["notes/brazil.txt"]
    assert "12 digital trade offices" in search(fast_kb, "Brazil trade offices", 2).hits[0].text

    note.write_text("Brazil opened 14 digital trade offices in 2023.")
    changed = sync(fast_kb)
    assert changed.updated == ["notes/brazil.txt"] and changed.chunks_embedded == 1
    texts = [h.text for h in search(fast_kb, "Brazil trade offices", 5).hits]
    assert any("14 digital" in t for t in texts) and not any("12 digital" in t for t in texts)

    note.unlink()
    removed = sync(fast_kb)
    assert removed.removed == ["notes/brazil.txt"]
    assert "notes/brazil.txt" not in fast_kb.manifest()
    assert removed.fingerprint == added.fingerprint or removed.fingerprint != changed.fingerprint


def test_bad_files_are_skipped_by_name_and_the_rest_ingested(
    fast_kb: KnowledgeBase, knowledge_dir: Path
) -> None:
    (knowledge_dir / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (knowledge_dir / "binary.txt").write_bytes(b"\x00\x01\x02\x03")
    (knowledge_dir / "empty.md").write_text("")
    (knowledge_dir / "sheet.xlsx").write_bytes(b"PK")
    (knowledge_dir / "good.txt").write_text("Kenya signed a data flow pact in 2020.")
    report = sync(fast_kb)
    reasons = {s.path: s.reason for s in report.skipped}
    assert set(reasons) == {"broken.pdf", "binary.txt", "empty.md", "sheet.xlsx"}
    assert "PDF" in reasons["broken.pdf"] and "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.md"] and "unsupported" in reasons["sheet.xlsx"]
    assert sorted(report.added) == ["china-digital-trade.md", "good.txt"]


def test_files_that_sit_among_documents_and_are_none_are_passed_over(
    fast_kb: KnowledgeBase, knowledge_dir: Path
) -> None:
    (knowledge_dir / "~$port.docx").write_bytes(b"\x0eAnna Berg      ")  # Word's owner file
    (knowledge_dir / "notes.md~").write_text("an editor's backup")
    (knowledge_dir / "scans").mkdir()
    (knowledge_dir / "scans" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (knowledge_dir / "desktop.ini").write_text("[.ShellClassInfo]")
    (knowledge_dir / "notes.md").write_text("Kenya signed a data flow pact in 2020.")
    report = sync(fast_kb)
    assert report.skipped == []
    assert sorted(report.added) == ["china-digital-trade.md", "notes.md"]


def test_a_missing_knowledge_dir_is_named_as_the_cause(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    kb = KnowledgeBase(
        Settings(knowledge_dir=missing, data_dir=tmp_path / "data"),
        embeddings=KeywordHashEmbeddings(),
    )
    [skipped] = sync(kb).skipped
    assert skipped.path == str(missing)
    assert "knowledge dir does not exist" in skipped.reason
    assert "ASSISTANT_KNOWLEDGE_DIR" in skipped.reason
    with pytest.raises(EmptyStoreError, match="no-such-folder does not exist") as raised:
        kb.require_documents()
    assert "ASSISTANT_KNOWLEDGE_DIR" in str(raised.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_reported(fast_kb: KnowledgeBase, knowledge_dir: Path) -> None:
    locked = knowledge_dir / "locked.txt"
    locked.write_text("secret")
    locked.chmod(0)
    assert "cannot be read" in sync(fast_kb).skipped[0].reason


def test_an_interrupted_write_leaves_the_old_version_visible(fast_kb: KnowledgeBase) -> None:
    sync(fast_kb)
    record = fast_kb.manifest()["china-digital-trade.md"]
    # A new version whose chunks were written but whose manifest record never was.
    orphan_id = f"{fast_kb.store.chunks.get(limit=1)['ids'][0].rsplit(':', 2)[0]}:ffffffffffff:0"
    orphan_meta = {
        "source": record.source,
        "title": "t",
        "section": "s",
        "chunk_index": 0,
        "start": 0,
        "end": 5,
        "doc_hash": "f" * 64,
        "sentences": "[[0, 5]]",
    }
    fast_kb.store.chunks.upsert(
        ids=[orphan_id],
        documents=["ORPHAN text"],
        metadatas=[orphan_meta],
        embeddings=[np.ones(64) / 8],
    )
    fast_kb.refresh(force=True)
    assert all("ORPHAN" not in h.text for h in search(fast_kb, "ORPHAN text", 10).hits)
    sync(fast_kb)
    assert fast_kb.store.chunks.get(ids=[orphan_id])["ids"] == []


def test_record_shape_is_what_sources_lists(fast_kb: KnowledgeBase) -> None:
    sync(fast_kb)
    record = fast_kb.manifest()["china-digital-trade.md"]
    assert isinstance(record, DocumentRecord) and record.chunk_count > 10
    assert record.title == "China’s Digital Economy and Digital Trade"


def _cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.interfaces.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_ingest_search_and_sources(settings: Settings, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ASSISTANT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
    }
    first = _cli("ingest", "--json", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert {
        "added",
        "updated",
        "removed",
        "unchanged",
        "skipped",
        "chunks_embedded",
        "fingerprint",
    } <= set(summary)
    again = json.loads(_cli("ingest", "--json", cwd=tmp_path, env=env).stdout)
    assert again["chunks_embedded"] == 0

    hits = json.loads(
        _cli(
            "search", "digital economy share of GDP in 2023", "--json", cwd=tmp_path, env=env
        ).stdout
    )
    assert "42.8 percent" in hits[0]["text"]
    assert {
        "text",
        "source",
        "section",
        "start",
        "end",
        "dense_score",
        "lexical_score",
        "fused_score",
    } <= set(hits[0])

    listing = json.loads(_cli("sources", "--json", cwd=tmp_path, env=env).stdout)
    assert listing["fingerprint"] == summary["fingerprint"]
    assert listing["documents"][0]["chunks"] == summary["chunks"]

    (settings.knowledge_dir / "bad.pdf").write_bytes(b"%PDF-broken")
    failed = _cli("ingest", cwd=tmp_path, env=env)
    assert failed.returncode == 1 and "bad.pdf" in failed.stderr


def test_cli_ingest_names_the_damaged_pdf_it_mended(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "depot.pdf").write_bytes(damaged_pdf("The depot ships 40 pallets a day."))
    env = {
        **os.environ,
        "ASSISTANT_KNOWLEDGE_DIR": str(knowledge),
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "1000",
    }
    result = _cli("ingest", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    mentions = [line for line in result.stderr.splitlines() if "startxref" in line]
    assert len(mentions) == 1, result.stderr
    assert mentions[0].startswith("   warning: depot.pdf: the file is damaged and was read")


def test_documents_from_outside_the_knowledge_dir_survive_its_sync(
    fast_kb: KnowledgeBase, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "kenya.txt").write_text("Kenya signed a data flow pact in 2020.")
    outside = sync(fast_kb, [reports])
    assert outside.added == ["reports/kenya.txt"]
    assert fast_kb.manifest()["reports/kenya.txt"].origin == tmp_path.resolve().as_posix()
    full = sync(fast_kb)
    assert full.removed == [] and "reports/kenya.txt" in fast_kb.manifest()
    (reports / "kenya.txt").unlink()
    assert sync(fast_kb, [reports]).removed == ["reports/kenya.txt"]


def test_knowledge_dir_changes_name_what_a_sync_would_do(
    fast_kb: KnowledgeBase, knowledge_dir: Path
) -> None:
    from assistant.knowledge.ingest import knowledge_dir_changes

    sync(fast_kb)
    assert knowledge_dir_changes(fast_kb) == []
    (knowledge_dir / "new.md").write_text("# New\n\nA new document.")
    assert knowledge_dir_changes(fast_kb) == ["new.md"]
    (knowledge_dir / "china-digital-trade.md").unlink()
    assert knowledge_dir_changes(fast_kb) == ["china-digital-trade.md", "new.md"]
