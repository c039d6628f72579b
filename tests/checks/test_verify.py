from assistant.checks.verify import answer_sentences, strip_unknown_markers, verify
from assistant.types import Citation

PASSAGE = "The digital economy made up 42.8 percent of GDP in 2023, up from 27 percent in 2015."


def _citation(n: int, quote: str = PASSAGE) -> Citation:
    return Citation(
        n=n,
        source="a.md",
        title="A",
        section="S",
        quote=quote,
        chunk_text=quote,
        start=0,
        end=len(quote),
        chunk_id="c",
        chunk_start=0,
    )


def test_supported_answer_is_verified() -> None:
    result = verify("The digital economy was 42.8% of GDP in 2023 [1].", [_citation(1)], False)
    assert result.status == "verified" and result.unsupported_numbers == []


def test_a_figure_missing_from_the_cited_passage_is_flagged() -> None:
    result = verify("The digital economy was 45 percent of GDP in 2023 [1].", [_citation(1)], False)
    assert result.status == "unverified"
    assert result.unsupported_numbers == ["45 percent"]
    assert "figures not in the cited passages" in result.sentences[0].reason


def test_uncited_and_unrelated_sentences_are_not_supported() -> None:
    text = "The digital economy was 42.8 percent of GDP in 2023 [1]. Bananas are yellow fruit."
    result = verify(text, [_citation(1)], False)
    assert [s.supported for s in result.sentences] == [True, False]
    assert result.status == "partially_verified"
    wrong = verify("Mangoes grow on tall tropical trees [1].", [_citation(1)], False)
    assert "key words" in wrong.sentences[0].reason


def test_unknown_markers_are_removed() -> None:
    text, removed = strip_unknown_markers("A claim [1] and another [9].", {1})
    assert text == "A claim [1] and another." and removed == [9]


def test_markers_after_the_full_stop_stay_with_their_sentence() -> None:
    assert answer_sentences("First one. [1] Second one. [2]") == [
        "First one. [1]",
        "Second one. [2]",
    ]
