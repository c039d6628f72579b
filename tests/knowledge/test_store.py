from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.errors import EmbeddingMismatchError, StoreUnavailableError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.knowledge.store import ChromaStore
from assistant.search.retrieve import search
from tests.fakes import KeywordHashEmbeddings


def test_a_store_built_with_one_model_refuses_another(settings: Settings) -> None:
    sync(KnowledgeBase(settings, embeddings=KeywordHashEmbeddings()))
    with pytest.raises(EmbeddingMismatchError, match="ingest --rebuild"):
        ChromaStore(settings, "another-model")


def test_rebuild_accepts_a_new_model(settings: Settings) -> None:
    sync(KnowledgeBase(settings, embeddings=KeywordHashEmbeddings()))
    other = KeywordHashEmbeddings(32)
    other.model_id = "keyword-hash-32"
    rebuilt = KnowledgeBase(settings, embeddings=other, rebuild=True)
    report = sync(rebuilt)
    assert report.added and report.chunks_embedded > 0
    assert rebuilt.store.chunk_counts() == report.chunks


def test_an_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnavailableError, match="ASSISTANT_DATA_DIR") as raised:
        ChromaStore(Settings(data_dir=blocker / "data"), "m")
    assert f"ASSISTANT_DATA_DIR ({blocker / 'data'}) is a folder" in str(raised.value)
    assert "Chroma server" not in str(raised.value), "no server is configured"


def test_server_mode_ingests_and_searches(
    chroma_server: tuple[str, int], knowledge_dir: Path, tmp_path: Path
) -> None:
    host, port = chroma_server
    settings = Settings(
        knowledge_dir=knowledge_dir,
        data_dir=tmp_path / "a",
        chroma_host=host,
        chroma_port=port,
        collection="server_test",
    )
    report = sync(KnowledgeBase(settings, embeddings=KeywordHashEmbeddings()))
    assert report.chunks_embedded > 0
    # A second process with its own data dir shares the server and rebuilds its lexical index.
    other = KnowledgeBase(
        settings.model_copy(update={"data_dir": tmp_path / "b"}), embeddings=KeywordHashEmbeddings()
    )
    hits = search(other, "overseas warehouses", 3).hits
    assert any("2,500 overseas warehouses" in hit.text for hit in hits)
    assert (tmp_path / "b" / "lexical").is_dir()
    assert other.store.location.startswith("chroma server")


def test_a_missing_server_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="Chroma server") as raised:
        ChromaStore(Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=9), "m")
    assert "the Chroma server at 127.0.0.1:9 (ASSISTANT_CHROMA_HOST" in str(raised.value)
    assert "ASSISTANT_DATA_DIR" not in str(raised.value), "the data dir holds no vectors here"


def test_nearest_sentences_name_the_chunk_each_matched_sentence_belongs_to(
    kb: KnowledgeBase,
) -> None:
    vector = np.asarray(kb.embeddings.embed_query("overseas warehouses"), dtype=np.float32)
    matches = kb.store.nearest_sentences(vector, 12)
    rows = kb.store.sentences.query(
        query_embeddings=[vector], n_results=12, include=["metadatas", "distances"]
    )
    assert [m.chunk_id for m in matches] == [m["chunk_id"] for m in rows["metadatas"][0]]
    similarities = [m.similarity for m in matches]
    assert similarities == sorted(similarities, reverse=True) and len(matches) == 12
    assert kb.store.nearest_sentences(vector, 12, ["no-such-source.md"]) == []


def test_a_sentence_id_gives_back_its_chunk_id() -> None:
    from assistant.knowledge.records import chunk_of, sentence_id

    assert chunk_of(sentence_id("report-ab12:0f3c9e1d2a4b:7", 12)) == "report-ab12:0f3c9e1d2a4b:7"
