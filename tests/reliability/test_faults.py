"""Faults survived: the model failing in every way, the Chroma server going away and coming
back, SIGKILL in the middle of an ingest, and data dirs that cannot be written."""

import os
from pathlib import Path

import gradio as gr
import pytest

from assistant.answer.core import ask
from assistant.config import Settings
from assistant.errors import StoreUnavailableError
from assistant.interfaces.web import ChatPage
from assistant.knowledge import base as knowledge_module
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.search.retrieve import search
from tests.fakes import FakeOpenAIServer, KeywordHashEmbeddings
from tests.reliability.cases import MODEL_FAULTS
from tests.reliability.conftest import FACT, FACT_QUESTION, assert_facts_still_answered
from tests.reliability.faults import (
    DOCUMENTS,
    ChromaServer,
    IngestRun,
    check_consistent,
    leftovers,
    open_kb,
    read_only,
    write_corpus,
)
from tests.reliability.test_bad_questions import run_cli


def on_fake_model(kb: KnowledgeBase, server: FakeOpenAIServer) -> Settings:
    return kb.settings.model_copy(update={
        "openai_base_url": server.url, "chat_model": "fake-llm", "llm_timeout": 0.5,
        "llm_max_retries": 1,
    })


@pytest.mark.parametrize("fault", list(MODEL_FAULTS))
def test_llm_faults_fall_back_to_the_extractive_answer(kb: KnowledgeBase, fault: str) -> None:
    reply = MODEL_FAULTS[fault]
    with FakeOpenAIServer(otherwise=reply) as server:
        answer = ask(FACT_QUESTION, knowledge=kb, settings=on_fake_model(kb, server))
    assert answer.mode == "extractive" and "unavailable" in answer.notice
    assert FACT in answer.answer and answer.verification.status == "verified"
    # A 200 with a bad body is not worth a retry, nor a timeout of a server on this machine.
    retried = isinstance(reply, int)
    # A stream that ends before any text is asked about once more, without streaming.
    assert len(server.chat_requests) == 2 if retried else len(server.chat_requests) in (1, 2)


def test_a_fault_then_an_answer_is_retried(kb: KnowledgeBase) -> None:
    n = next(i for i, hit in enumerate(search(kb, FACT_QUESTION, 4).hits, 1) if FACT in hit.text)
    claim = f"The digital economy made up {FACT} of GDP in 2023 [{n}]."
    with FakeOpenAIServer(500, claim) as server:
        answer = ask(FACT_QUESTION, knowledge=kb, settings=on_fake_model(kb, server))
    assert answer.mode == "llm:fake-llm" and not answer.notice
    assert answer.verification.status == "verified"


def test_the_chroma_server_goes_away_and_comes_back(tmp_path: Path, settings: Settings) -> None:
    with ChromaServer(tmp_path / "server") as server:
        where = {"chroma_host": "127.0.0.1", "chroma_port": server.port}
        remote = settings.model_copy(update=where)
        kb = KnowledgeBase(remote, embeddings=KeywordHashEmbeddings())
        sync(kb)
        page = ChatPage.open(kb)
        assert_facts_still_answered(kb)
        server.kill()
        with pytest.raises(StoreUnavailableError, match="ASSISTANT_CHROMA_HOST") as raised:
            ask(FACT_QUESTION, knowledge=kb)
        assert "Traceback" not in str(raised.value)
        with pytest.raises(gr.Error, match="unavailable"):
            list(page.respond(FACT_QUESTION, [], {}))
        server.start()
        assert_facts_still_answered(kb)  # the same process and objects: no restart needed
        *_, (_, _, answers, _) = page.respond(FACT_QUESTION, [], {})
        assert FACT in next(iter(answers.values())).answer


def test_a_read_only_data_dir_is_reported(kb: KnowledgeBase) -> None:
    """The store, the lexical index and the feedback store refuse writes; each says so."""
    data = kb.settings.data_dir
    (kb.settings.knowledge_dir / "new.md").write_text("Widget tariffs rose 9 percent in 2024.")
    with read_only(data), pytest.raises(StoreUnavailableError, match="DATA_DIR is writable"):
        sync(KnowledgeBase(kb.settings, embeddings=kb.embeddings))
    fresh = KnowledgeBase(kb.settings, embeddings=kb.embeddings)
    with read_only(data / "lexical"):
        with pytest.raises(StoreUnavailableError, match=r"lexical index.*ASSISTANT_DATA_DIR"):
            sync(fresh)  # the store takes the document; its index cannot be saved
        with pytest.raises(StoreUnavailableError, match="lexical index"):
            ask(FACT_QUESTION, knowledge=fresh)  # nor served unsaved
    assert "new.md" in sync(fresh).unchanged and fresh.lexical.fingerprint == fresh.fingerprint()
    answer = ask(FACT_QUESTION, knowledge=kb)
    with read_only(data), pytest.raises(StoreUnavailableError, match="feedback"):
        ChatPage.open(kb).feedback.record(answer, "up", comment="", interface="web")
    assert_facts_still_answered(KnowledgeBase(kb.settings, embeddings=kb.embeddings))


def test_the_cli_reports_a_read_only_data_dir(tmp_path: Path, knowledge_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env |= {"ASSISTANT_KNOWLEDGE_DIR": str(knowledge_dir),
            "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    assert run_cli(env, "ingest").returncode == 0
    (knowledge_dir / "new.md").write_text("Widget tariffs rose 9 percent in 2024.")
    with read_only(tmp_path / "data"):
        results = [run_cli(env, "ingest"), run_cli(env, "ask", FACT_QUESTION)]
    for result in results:
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "error: The vector store is unavailable" in result.stderr
        assert "ASSISTANT_DATA_DIR" in result.stderr
    assert FACT in run_cli(env, "ask", FACT_QUESTION).stdout, "nothing stored was lost"


def test_a_data_dir_under_a_file_is_reported(tmp_path: Path, knowledge_dir: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file where a folder should be")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env |= {"ASSISTANT_KNOWLEDGE_DIR": str(knowledge_dir),
            "ASSISTANT_DATA_DIR": str(blocker / "data")}
    for command in (["ingest"], ["ask", FACT_QUESTION]):
        result = run_cli(env, *command)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "error: The vector store is unavailable" in result.stderr
        assert "ASSISTANT_DATA_DIR" in result.stderr


# Where each round's SIGKILL lands: as an upsert into that collection begins (the n-th one).
KILLS = (("sentences", 1), ("chunks", 1), ("documents", 2))


def test_sigkill_mid_ingest_leaves_every_document_old_or_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    knowledge, data = tmp_path / "knowledge", tmp_path / "data"
    versions = [write_corpus(knowledge, 0)]
    assert IngestRun(knowledge, data).finish() == "done"
    monkeypatch.setattr(knowledge_module, "FRESHNESS_SECONDS", 0.0)  # look at every refresh
    reader = open_kb(knowledge, data)  # a chat page, say, open while the ingests run
    reader.require_documents()
    states = []
    for round_, (collection, occurrence) in enumerate(KILLS, start=1):
        versions.append(write_corpus(knowledge, round_))
        IngestRun(knowledge, data).kill_at(collection, occurrence)
        states.append(leftovers(knowledge, data, versions[-1]))
        check_consistent(knowledge, data, versions, reader)  # any version, each one whole
    print(f"\n(documents at the newest version, stray rows) after each kill: {states}")
    assert any(stray for _, stray in states), "a kill landed between a version's rows"
    assert any(0 < newest < DOCUMENTS for newest, _ in states), "a kill split the corpus"
    assert IngestRun(knowledge, data).finish() == "done", "re-running the ingest completes"
    manifest = check_consistent(knowledge, data, versions[-1:], reader)
    assert len(manifest) == DOCUMENTS
    assert leftovers(knowledge, data, versions[-1]) == (DOCUMENTS, 0)
