import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.errors import ModelFileError
from assistant.knowledge.embeddings import (
    LOCAL_MODEL_ID,
    MiniLMEmbeddings,
    build_embeddings,
    check_sha256,
    packaged_model_path,
    tokenizer_path,
)


def test_vectors_are_normalised_and_meaningful() -> None:
    model = MiniLMEmbeddings()
    vectors = model.embed_array(
        [
            "The digital economy made up 42.8 percent of GDP.",
            "What share of GDP was the digital economy?",
            "A recipe for apple pie with cinnamon.",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_batching_and_order_do_not_change_vectors() -> None:
    texts = [f"sentence number {i} about trade" * (i % 4 + 1) for i in range(10)]
    one_batch = MiniLMEmbeddings(batch_size=64).embed_array(texts)
    small_batches = MiniLMEmbeddings(batch_size=3).embed_array(texts)
    assert np.allclose(one_batch, small_batches, atol=1e-4)


def test_tokenizer_ships_with_the_package_and_both_hashes_hold() -> None:
    assert tokenizer_path().is_file()
    check_sha256(
        tokenizer_path(), "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
    )
    check_sha256(
        packaged_model_path(), "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
    )


def test_a_tampered_model_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model.onnx"
    shutil.copy(packaged_model_path(), copy)
    with copy.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    with pytest.raises(ModelFileError, match="sha256"):
        MiniLMEmbeddings(model_path=copy).embed_query("hello")


def test_settings_choose_the_local_model_by_default(tmp_path: Path) -> None:
    embeddings = build_embeddings(Settings(data_dir=tmp_path))
    assert getattr(embeddings, "model_id", "") == LOCAL_MODEL_ID


def test_word_vectors_are_normalised_per_piece_and_cached() -> None:
    model = MiniLMEmbeddings(batch_size=2)
    texts = ["The primary hurdle is the concerns of members.", "An obstacle.", "A third text."]
    first = model.embed_tokens(texts)
    pieces, vectors = first[0]
    assert pieces[:3] == ["the", "primary", "hurdle"] and "[CLS]" not in pieces
    assert vectors.shape == (len(pieces), 384)
    assert np.allclose(np.linalg.norm(vectors.astype(np.float32), axis=1), 1.0, atol=1e-2)
    again = model.embed_tokens([texts[1], texts[0]])
    assert again[1][0] == pieces and again[1][1] is vectors


def test_word_vectors_match_a_paraphrase_better_than_an_unrelated_word() -> None:
    (_, question), (h_pieces, hurdle), (_, other) = MiniLMEmbeddings().embed_tokens(
        ["obstacle", "The primary hurdle", "The essential step"]
    )
    hurdle_sim = float((question.astype(np.float32) @ hurdle.astype(np.float32).T).max())
    other_sim = float((question.astype(np.float32) @ other.astype(np.float32).T).max())
    assert "hurdle" in h_pieces and hurdle_sim > other_sim


def test_the_word_vector_cache_drops_the_least_recently_used_past_its_budget() -> None:
    from assistant.knowledge.embeddings import TokenCache

    cache = TokenCache(max_rows=5)
    two_rows = (["w", "w"], np.zeros((2, 384), dtype=np.float16))
    cache.put("a", two_rows)
    cache.put("b", two_rows)
    assert cache.get("a") is not None
    cache.put("c", two_rows)
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert cache.rows == 4


TEXTS_OF_MANY_LENGTHS = [
    f"Sentence {i} on cross-border trade" + " and its digital services" * (i % 7)
    for i in range(40)
]


def test_a_text_has_the_same_vector_in_any_batch() -> None:
    texts = TEXTS_OF_MANY_LENGTHS
    together = MiniLMEmbeddings(batch_size=4).embed_array(texts)
    assert np.array_equal(together, MiniLMEmbeddings(batch_size=32).embed_array(texts))
    assert np.array_equal(together[7], MiniLMEmbeddings().embed_array([texts[7]])[0])


def test_word_vectors_do_not_depend_on_the_batch_a_text_is_in() -> None:
    alone = [MiniLMEmbeddings(batch_size=1).embed_tokens([t])[0] for t in TEXTS_OF_MANY_LENGTHS[:9]]
    together = MiniLMEmbeddings(batch_size=32).embed_tokens(TEXTS_OF_MANY_LENGTHS[:9])
    for (pieces, vectors), (same_pieces, same_vectors) in zip(alone, together, strict=True):
        assert pieces == same_pieces and np.array_equal(vectors, same_vectors)


def test_length_batches_hold_every_text_once_shortest_first() -> None:
    from assistant.knowledge.embeddings import length_batches

    texts = ["a" * n for n in (5, 1, 9, 3, 7)]
    assert length_batches(texts, 2) == [[1, 3], [0, 4], [2]]
    assert length_batches([], 2) == []


def test_the_model_threads_do_not_spin_while_they_wait() -> None:
    from assistant.knowledge.embeddings import _runtime

    session = _runtime(packaged_model_path(), tokenizer_path()).session
    entries = session.get_session_options().get_session_config_entry
    assert entries("session.intra_op.allow_spinning") == "0"
