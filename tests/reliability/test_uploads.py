"""Hostile and unlucky uploads: a name that is a symbolic link, a linked document removed, a disk
that fills up, a file-size limit, Gradio's cache of uploads, and a post from another site."""

import contextlib
import json
import os
import resource
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import pytest

from assistant.config import Settings
from assistant.interfaces.web import UPLOAD_CACHE_CLEANING, ChatPage, build_app
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from tests.fakes import KeywordHashEmbeddings
from tests.interfaces.web_doubles import launched
from tests.reliability.conftest import assert_facts_still_answered

TEXT = "# Berth log\n\nBerth 7 of the Westhaven port took 41 freighters in May 2024.\n"


def no_progress(*_: object) -> None:
    return None


def an_upload(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / f"upload-{uuid.uuid4().hex[:6]}" / name
    path.parent.mkdir()
    path.write_bytes(data)
    return path


def knowledge_listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_an_upload_named_like_a_link_never_writes_through_it(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    outside = tmp_path / "outside" / "target.md"
    outside.parent.mkdir()
    outside.write_text("# Private\n\nThe vault code is 1234.\n", encoding="utf-8")
    link = kb.settings.knowledge_dir / "notes.md"
    link.symlink_to(outside)
    sync(kb)
    page = ChatPage.open(kb)
    *_, pending, _, _, _ = page.knowledge.upload(
        [str(an_upload(tmp_path, "notes.md", TEXT.encode()))], no_progress
    )
    assert pending, "a taken name (a link included) is asked about first"
    page.knowledge.resolve(pending, "replace", no_progress)
    assert outside.read_text(encoding="utf-8").startswith("# Private"), "the target is untouched"
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == TEXT
    chunks = list(kb.store.active_chunks(kb.manifest()))
    assert sum("41 freighters" in c["text"] for c in chunks) == 1, "indexed once"
    assert not any("vault code" in c["text"] for c in chunks)


def test_removing_a_linked_document_removes_the_link(kb: KnowledgeBase, tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "berths.md"
    outside.parent.mkdir()
    outside.write_text(TEXT, encoding="utf-8")
    link = kb.settings.knowledge_dir / "berths.md"
    link.symlink_to(outside)
    sync(kb)
    page = ChatPage.open(kb)
    *_, pending = page.knowledge.ask_remove("berths.md", "trash")
    page.knowledge.remove(pending)
    assert not os.path.lexists(link) and outside.read_text(encoding="utf-8") == TEXT
    [trashed] = (kb.settings.data_dir / "trash").rglob("berths.md")
    assert trashed.is_symlink(), "the link itself went to the trash"
    assert "berths.md" not in kb.manifest()
    assert "berths.md" not in {s for s in sync(kb).added}, "and stays out"


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``folder`` (root only)."""
    folder.mkdir(parents=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small file system needs root")
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]
    if subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True, capture_output=True)


def test_a_full_disk_leaves_nothing_behind_and_says_so(kb: KnowledgeBase, tmp_path: Path) -> None:
    with small_disk(tmp_path / "small", "64k") as disk:
        folder = disk / "knowledge"
        shutil.copytree(kb.settings.knowledge_dir, folder)
        settings = kb.settings.model_copy(update={"knowledge_dir": folder})
        page = ChatPage.open(KnowledgeBase(settings, embeddings=kb.embeddings))
        before = knowledge_listing(folder)
        upload = an_upload(tmp_path, "report.md", (TEXT * 4000).encode())
        with pytest.raises(gr.Error, match=r"report\.md could not be saved in .*: disk full\. "
                                           r"Nothing was changed\."):
            page.knowledge.upload([str(upload)], no_progress)
        assert knowledge_listing(folder) == before and not list(folder.glob(".*"))
    assert "report.md" not in kb.manifest()
    assert_facts_still_answered(kb)


def test_a_file_size_limit_leaves_nothing_behind_and_says_so(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    page = ChatPage.open(kb)
    folder = kb.settings.knowledge_dir
    before = knowledge_listing(folder)
    upload = an_upload(tmp_path, "report.md", (TEXT * 4000).encode())
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, hard))
    try:
        with pytest.raises(gr.Error, match=r"could not be saved .*: file too large for the file "
                                           r"system or the process's file-size limit"):
            page.knowledge.upload([str(upload)], no_progress)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert knowledge_listing(folder) == before and not list(folder.glob(".*"))
    assert_facts_still_answered(kb)


def post_upload(url: str, name: str, data: bytes, origin: str | None) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: text/markdown\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if origin:
        headers["Origin"] = origin
    request = urllib.request.Request(f"{url}gradio_api/upload", body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Gradio's upload cache, in this test's folder."""
    folder = tmp_path / "gradio-cache"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))
    return folder


def cached_files(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []


def test_the_upload_cache_is_emptied_after_each_upload(
    kb: KnowledgeBase, cache: Path
) -> None:
    page = ChatPage.open(kb)
    assert build_app(page).delete_cache == UPLOAD_CACHE_CLEANING
    with launched(page) as url:
        status, paths = post_upload(url, "berths.md", TEXT.encode(), None)
        [cached] = [Path(p) for p in json.loads(paths)]
        deadline = time.monotonic() + 30
        while not cached.exists() and time.monotonic() < deadline:  # Gradio moves it after
            time.sleep(0.05)  # answering
        assert status == 200 and cached_files(cache) == [cached] and cached.name == "berths.md"
        page.knowledge.upload([str(cached)], no_progress)
        assert "berths.md" in kb.manifest() and cached_files(cache) == []
        assert not cached.parent.exists(), "its folder went too"


def test_uploads_from_another_site_are_refused(kb: KnowledgeBase, cache: Path) -> None:
    page = ChatPage.open(kb)
    with launched(page) as url:
        here = url.rstrip("/")
        refused = post_upload(url, "evil.md", TEXT.encode(), "http://attacker.example")
        null = post_upload(url, "evil.md", TEXT.encode(), "null")
        accepted = post_upload(url, "fine.md", TEXT.encode(), here)
        time.sleep(0.5)  # Gradio moves an accepted upload into its cache after answering
        assert refused[0] == null[0] == 403 and "other sites" in refused[1]
        assert accepted[0] == 200
        assert [p.name for p in cached_files(cache)] == ["fine.md"]


def test_a_page_started_without_a_knowledge_folder_says_where_and_creates_it(
    tmp_path: Path,
) -> None:
    settings = Settings(knowledge_dir=tmp_path / "none", data_dir=tmp_path / "data")
    page = ChatPage.open(KnowledgeBase(settings, embeddings=KeywordHashEmbeddings()))
    assert f"There is no folder at <code>{tmp_path / 'none'}</code>" in page.knowledge.intro()
    rows, *_ = page.knowledge.upload(
        [str(an_upload(tmp_path, "berths.md", TEXT.encode()))], no_progress
    )
    assert rows == [["berths.md", "Berth log", 1]]
    assert (tmp_path / "none" / "berths.md").read_text(encoding="utf-8") == TEXT
