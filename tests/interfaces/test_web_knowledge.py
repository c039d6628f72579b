"""The Knowledge tab's handlers called directly: real files, a real store, real ``ask``."""

import subprocess
from pathlib import Path

import gradio as gr
import pytest

from assistant.answer.core import ask
from assistant.interfaces.web import ChatPage
from assistant.interfaces.web_knowledge import Notices
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from tests.conftest import damaged_pdf
from tests.interfaces.web_doubles import StubAsk

ZEPHYR = "# Zephyr project\n\nThe Zephyr observatory opened in March 2021 with 14 engineers.\n"
ZEPHYR_QUESTION = "When did the Zephyr observatory open?"


@pytest.fixture
def page(kb: KnowledgeBase) -> ChatPage:
    return ChatPage.open(kb, StubAsk())


def upload_file(tmp_path: Path, name: str, text: str) -> str:
    folder = tmp_path / "uploads"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def no_progress(*_: object) -> None:
    return None


def test_an_upload_is_saved_ingested_and_answerable_at_once(
    page: ChatPage, kb: KnowledgeBase, tmp_path: Path
) -> None:
    calls: list[tuple[str, int, int]] = []
    rows, choices, _, header, pending, _, box, cleared = page.knowledge.upload(
        [upload_file(tmp_path, "zephyr notes.md", ZEPHYR)], lambda *call: calls.append(call)
    )
    assert (kb.settings.knowledge_dir / "zephyr notes.md").read_text(encoding="utf-8") == ZEPHYR
    assert ["zephyr notes.md", "Zephyr project", 1] in rows and cleared is None
    assert "zephyr notes.md" in choices["choices"] and "2 documents" in header
    assert pending == [] and not box["visible"] and calls[-1][1:] == (1, 1)
    answer = ask(ZEPHYR_QUESTION, knowledge=kb)
    assert {c.source for c in answer.citations} == {"zephyr notes.md"}
    assert not list(kb.settings.knowledge_dir.glob(".*")), "no temporary file is left behind"


def test_uploads_of_the_wrong_type_size_or_content_are_refused(
    page: ChatPage, kb: KnowledgeBase, tmp_path: Path
) -> None:
    with pytest.raises(gr.Error, match="not a supported file"):
        page.knowledge.upload([upload_file(tmp_path, "tool.exe", "MZ")], no_progress)
    kb.settings.max_file_bytes = 10
    with pytest.raises(gr.Error, match=r"limit is 10 .*ASSISTANT_MAX_FILE_BYTES"):
        page.knowledge.upload([upload_file(tmp_path, "long.md", "x" * 11)], no_progress)
    kb.settings.max_file_bytes = 1000
    with pytest.raises(gr.Error, match=r"broken\.pdf was not added"):
        page.knowledge.upload([upload_file(tmp_path, "broken.pdf", "not a pdf")], no_progress)
    assert sorted(p.name for p in kb.settings.knowledge_dir.iterdir()) == [
        "china-digital-trade.md"
    ]
    assert sorted(kb.manifest()) == ["china-digital-trade.md"]


def test_an_upload_is_added_with_the_ingest_warnings_about_it(
    page: ChatPage, kb: KnowledgeBase, tmp_path: Path
) -> None:
    upload = tmp_path / "depot.pdf"
    upload.write_bytes(damaged_pdf("The depot ships 40 pallets a day."))
    shown: list[str] = []
    page.knowledge.notices = Notices(gr.Error, shown.append, shown.append)
    page.knowledge.upload([str(upload)], no_progress)
    assert "depot.pdf" in kb.manifest()
    added, warning = shown
    assert added == "Added depot.pdf: ask about it now."
    assert warning.startswith("depot.pdf: the file is damaged and was read as far as it could be")


def test_one_bad_file_does_not_stop_the_others(
    page: ChatPage, kb: KnowledgeBase, tmp_path: Path
) -> None:
    files = [upload_file(tmp_path, "tool.exe", "MZ"), upload_file(tmp_path, "z.md", ZEPHYR)]
    with pytest.raises(gr.Error, match=r"tool\.exe"):
        page.knowledge.upload(files, no_progress)
    assert "z.md" in kb.manifest()


def test_a_taken_name_asks_then_replaces_keeps_both_or_cancels(
    page: ChatPage, kb: KnowledgeBase, tmp_path: Path
) -> None:
    folder = kb.settings.knowledge_dir
    page.knowledge.upload([upload_file(tmp_path, "notes.md", "# Notes\n\nVersion one.\n")], print)
    second = upload_file(tmp_path, "notes.md", "# Notes\n\nVersion two has 12 rooms.\n")
    *_, pending, question, box, _ = page.knowledge.upload([second], no_progress)
    assert pending == [[second, "notes.md"]] and box["visible"]
    assert "notes.md is already in the knowledge base" in question["value"]
    assert "Version one" in (folder / "notes.md").read_text(encoding="utf-8"), "nothing replaced"

    page.knowledge.resolve(pending, "keep both", no_progress)
    assert "Version two" in (folder / "notes (2).md").read_text(encoding="utf-8")
    assert "Version one" in (folder / "notes.md").read_text(encoding="utf-8")
    assert {"notes.md", "notes (2).md"} <= set(kb.manifest())

    third = upload_file(tmp_path, "notes.md", "# Notes\n\nVersion three has 15 rooms.\n")
    *_, pending, _, _, _ = page.knowledge.upload([third], no_progress)
    page.knowledge.resolve(pending, "replace", no_progress)
    assert "Version three" in (folder / "notes.md").read_text(encoding="utf-8")
    assert "15 rooms" in ask("How many rooms does version three have?", knowledge=kb).answer

    fourth = upload_file(tmp_path, "notes.md", "# Notes\n\nVersion four.\n")
    *_, pending, _, _, _ = page.knowledge.upload([fourth], no_progress)
    *_, pending, _, box, _ = page.knowledge.resolve(pending, "cancel", no_progress)
    assert pending == [] and not box["visible"]
    assert "Version three" in (folder / "notes.md").read_text(encoding="utf-8")


def test_a_failed_replacement_keeps_the_previous_file(
    page: ChatPage, kb: KnowledgeBase, tmp_path: Path
) -> None:
    good = "# Notes\n\nThe first version.\n"
    page.knowledge.upload([upload_file(tmp_path, "notes.md", good)], no_progress)
    *_, pending, _, _, _ = page.knowledge.upload(
        [upload_file(tmp_path, "notes.md", "  ")], no_progress
    )
    with pytest.raises(gr.Error, match=r"notes\.md was not added: the file is empty"):
        page.knowledge.resolve(pending, "replace", no_progress)
    assert (kb.settings.knowledge_dir / "notes.md").read_text(encoding="utf-8") == good
    assert "notes.md" in kb.manifest()


def test_remove_asks_then_moves_to_the_trash_and_restore_gives_the_same_answers(
    page: ChatPage, kb: KnowledgeBase, tmp_path: Path
) -> None:
    page.knowledge.upload([upload_file(tmp_path, "zephyr.md", ZEPHYR)], no_progress)
    before = ask(ZEPHYR_QUESTION, knowledge=kb)
    question, box, pending = page.knowledge.ask_remove("zephyr.md", "trash")
    assert box["visible"] and "Move zephyr.md to the trash" in question["value"]
    assert (kb.settings.knowledge_dir / "zephyr.md").exists(), "asking removes nothing"

    rows, _, restorable, _, _, box, cleared = page.knowledge.remove(pending)
    assert not box["visible"] and cleared == []
    assert [r[0] for r in rows] == ["china-digital-trade.md"]
    assert not (kb.settings.knowledge_dir / "zephyr.md").exists()
    assert list((kb.settings.data_dir / "trash").rglob("zephyr.md"))
    assert restorable["choices"] == ["zephyr.md"]
    assert not any(c.source == "zephyr.md" for c in ask(ZEPHYR_QUESTION, knowledge=kb).citations)

    rows, _, restorable, _ = page.knowledge.restore("zephyr.md", no_progress)
    assert "zephyr.md" in [r[0] for r in rows] and restorable["choices"] == []
    after = ask(ZEPHYR_QUESTION, knowledge=kb)
    assert (after.answer, after.citations) == (before.answer, before.citations)


def test_removing_from_the_index_only_keeps_the_file_out_of_later_ingests(
    page: ChatPage, kb: KnowledgeBase
) -> None:
    article = kb.settings.knowledge_dir / "china-digital-trade.md"
    question, _, pending = page.knowledge.ask_remove("china-digital-trade.md", "index")
    assert "Its file stays" in question["value"]
    page.knowledge.remove(pending)
    assert article.exists() and kb.manifest() == {}
    report = sync(kb)
    assert report.excluded == ["china-digital-trade.md"] and not report.added
    assert kb.manifest() == {}
    page.knowledge.restore("china-digital-trade.md", no_progress)
    assert "42.8 percent" in ask("What share of GDP was the digital economy in 2023?",
                                 knowledge=kb).answer


def test_a_file_git_tracks_is_named_before_it_is_moved(
    page: ChatPage, kb: KnowledgeBase
) -> None:
    folder = kb.settings.knowledge_dir
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for command in (["init", "-q"], ["add", "china-digital-trade.md"], ["commit", "-qm", "a"]):
        subprocess.run([*git, *command], cwd=folder, check=True, capture_output=True)
    question, _, _ = page.knowledge.ask_remove("china-digital-trade.md", "trash")
    assert "Git tracks this file" in question["value"]
    with pytest.warns(UserWarning, match="Choose a document"):
        page.knowledge.ask_remove("../../etc/passwd", "trash")


def test_the_tab_says_where_documents_live(page: ChatPage, kb: KnowledgeBase) -> None:
    intro = page.knowledge.intro()
    assert str(kb.settings.knowledge_dir.absolute()) in intro
    assert "ASSISTANT_KNOWLEDGE_DIR" in intro and "no folder" not in intro
    kb.settings.knowledge_dir = kb.settings.knowledge_dir.parent / "elsewhere"
    intro = page.knowledge.intro()
    assert "There is no folder at" in intro and "elsewhere" in intro
    assert "ASSISTANT_KNOWLEDGE_DIR=/path/to/folder assistant chat" in intro


def test_a_document_whose_file_is_gone_is_marked_and_never_cited(
    page: ChatPage, kb: KnowledgeBase, tmp_path: Path
) -> None:
    page.knowledge.upload([upload_file(tmp_path, "zephyr.md", ZEPHYR)], no_progress)
    (kb.settings.knowledge_dir / "zephyr.md").unlink()
    rows, *_ = page.knowledge.view()
    assert ["zephyr.md", "Zephyr project (file gone: not used)", 1] in rows
    answer = ask(ZEPHYR_QUESTION, knowledge=kb)
    assert all(c.source != "zephyr.md" for c in answer.citations)
