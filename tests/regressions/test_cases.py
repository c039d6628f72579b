"""Small documents like those in other tools' bug reports, each with its question and the right
answer (data/cases.yaml), through the real pipeline: ingest into a real Chroma store with the
bundled ONNX embeddings, then ``ask``, offline. Each case stands for a kind of document or of
question: a "when" answered by a duration or a recurrence, number words, a question in two
parts."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from langchain_core.embeddings import Embeddings

from assistant.answer.core import ask
from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.embeddings import build_embeddings
from assistant.knowledge.ingest import IngestReport, sync

DATA = Path(__file__).resolve().parent / "data"
CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "cases.yaml").read_text())["cases"]
QUESTION_CASES = [c for c in CASES if "question" in c]


@pytest.fixture(scope="module")
def minilm() -> Embeddings:
    return build_embeddings(Settings())


def ingest(case_dir: str, tmp_path: Path, embeddings: Embeddings) -> tuple[KnowledgeBase,
                                                                           IngestReport]:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(DATA / case_dir / "knowledge", knowledge)
    settings = Settings(knowledge_dir=knowledge, data_dir=tmp_path / "data")
    kb = KnowledgeBase(settings, embeddings=embeddings)
    return kb, sync(kb)


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=f"{c['dir']}:{c['question'][:30]}") for c in QUESTION_CASES],
)
def test_case(case: dict[str, Any], tmp_path: Path, minilm: Embeddings) -> None:
    kb, report = ingest(case["dir"], tmp_path, minilm)
    assert report.skipped == []
    answer = ask(case["question"], knowledge=kb)
    shown = " ".join([answer.answer, *(c.quote for c in answer.citations)]).lower()
    for expected in case.get("expect", []):
        assert expected.lower() in answer.answer.lower(), answer.answer
    for unwanted in case.get("not_expect", []):
        assert unwanted.lower() not in shown, shown
    assert answer.abstained == bool(case.get("abstain")), answer.answer
    if "title" in case:
        assert [c.title for c in answer.citations] == [case["title"]] * len(answer.citations)


def test_running_header_and_footer_are_not_body_text(tmp_path: Path, minilm: Embeddings) -> None:
    kb, report = ingest("12-min", tmp_path, minilm)
    [chunk] = kb.store.active_chunks(kb.manifest())
    assert chunk["text"] == (
        "Employees may work remotely up to three days a week.\n\n"
        "The annual performance review takes place in November."
    )
    [notes] = report.notes
    assert notes.dropped == ["4 running header, footer or page-number line(s)"]


def test_a_partly_scanned_pdf_is_reported_page_by_page(tmp_path: Path, minilm: Embeddings) -> None:
    kb, report = ingest("20-mixed", tmp_path, minilm)
    [notes] = report.notes
    assert "page 2 of 2 has no text layer (scanned?): not indexed" in notes.dropped
    assert kb.manifest()["terms.pdf"].title == "Laptop purchase terms"


def test_a_wholly_scanned_pdf_is_skipped_with_its_reason(
    tmp_path: Path, minilm: Embeddings
) -> None:
    kb, report = ingest("20-full", tmp_path, minilm)
    [skipped] = report.skipped
    assert skipped.path == "scan.pdf" and "has a text layer (scanned?" in skipped.reason
    assert list(kb.manifest()) == ["policy-2024.md"]


def test_chinese_text_is_named_as_weak_for_the_english_embedding_model(
    tmp_path: Path, minilm: Embeddings
) -> None:
    _, report = ingest("08-min3", tmp_path, minilm)
    [notes] = report.notes
    assert "English-only" in notes.warnings[0] and "all-MiniLM-L6-v2" in notes.warnings[0]


SAME_NAME = next(c for c in CASES if "ingest_paths" in c)


def test_files_of_the_same_name_in_two_folders_are_two_documents(tmp_path: Path) -> None:
    from tests.fakes import KeywordHashEmbeddings

    work = tmp_path / "work"
    shutil.copytree(DATA / SAME_NAME["dir"], work)
    settings = Settings(knowledge_dir=tmp_path / "knowledge", data_dir=tmp_path / "data")
    kb = KnowledgeBase(settings, embeddings=KeywordHashEmbeddings())
    report = sync(kb, [work / path for path in SAME_NAME["ingest_paths"]])
    assert report.documents == SAME_NAME["documents"]
    assert sorted(kb.manifest()) == SAME_NAME["ingest_paths"]
    inside = tmp_path / "knowledge"
    shutil.copytree(work, inside)
    assert sorted(sync(KnowledgeBase(settings.model_copy(update={"data_dir": tmp_path / "d2"}),
                                     embeddings=KeywordHashEmbeddings())).added) == [
        "a/README.md", "b/README.md"
    ]


def test_the_cli_ingests_two_readmes_as_two_documents(tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(DATA / SAME_NAME["dir"], work)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env |= {"ASSISTANT_KNOWLEDGE_DIR": str(tmp_path / "knowledge"),
            "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    command = [str(Path(sys.executable).with_name("assistant")), "ingest", "--json",
               *SAME_NAME["ingest_paths"]]
    result = subprocess.run(command, env=env, cwd=work, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"documents": 2' in result.stdout
