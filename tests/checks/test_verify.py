"""Claim-by-claim verification: what makes a claim unsupported, and what does not."""

import pytest

from assistant.checks.claims import answer_claims, strip_unknown_markers
from assistant.checks.verify import verify
from assistant.types import Citation

PASSAGE = "The digital economy made up 42.8 percent of GDP in 2023, up from 27 percent in 2015."
OTHER = "China had set up 165 cross-border e-commerce pilot zones since 2015."


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


def test_a_figure_missing_from_every_passage_is_flagged() -> None:
    result = verify(
        "The digital economy was 45 percent of GDP in 2023 [1].", [_citation(1)], False, [OTHER]
    )
    assert result.status == "unverified"
    assert result.unsupported_numbers == ["45 percent"]
    assert result.sentences[0].reason == "figures not in the sources: 45 percent"


def test_a_figure_from_another_retrieved_passage_is_miscited_not_made_up() -> None:
    result = verify("There were 165 pilot zones [1].", [_citation(1)], False, [PASSAGE, OTHER])
    assert result.unsupported_numbers == []
    assert "(another source has them): 165" in result.sentences[0].reason


def test_an_uncited_sentence_says_no_citation_and_its_real_figures_are_not_made_up() -> None:
    text = "The digital economy was 42.8 percent of GDP in 2023 [1]. There are 165 pilot zones."
    result = verify(text, [_citation(1)], False, [PASSAGE, OTHER])
    assert [(s.supported, s.reason) for s in result.sentences] == [
        (True, ""), (False, "no citation")
    ]
    assert result.status == "partially_verified" and result.unsupported_numbers == []
    made_up = verify("It had 170 pilot zones.", [], False, [PASSAGE, OTHER])
    assert made_up.unsupported_numbers == ["170"]


def test_the_lines_of_a_quoted_code_block_are_checked_against_the_quote_cited_after_them() -> None:
    code = "Build the image with:\n\ndocker build -t reg/app:2.4 .\ndocker push reg/app:2.4"
    text = code + " [1]"
    result = verify(text, [_citation(1, code)], False)
    assert result.status == "verified"
    assert [(s.sentence, s.citations) for s in result.sentences][:2] == [
        ("Build the image with:", [1]), ("docker build -t reg/app:2.4 .", [1])
    ]
    made_up = verify("Run docker.\n" + text, [_citation(1, code)], False)
    assert made_up.sentences[0].reason == "no citation" and made_up.status == "partially_verified"
    inside_a_word = verify("No\n" + text, [_citation(1, "Nordics grew. " + code)], False)
    assert not inside_a_word.sentences[0].supported


def test_unrelated_words_are_not_supported() -> None:
    wrong = verify("Mangoes grow on tall tropical trees [1].", [_citation(1)], False)
    assert "key words" in wrong.sentences[0].reason


GREW = "Cross-border e-commerce grew 12 percent in 2023."


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        ("The digital economy did not make up 42.8 percent of GDP in 2023 [1].", "negation"),
        ("The digital economy never made up 42.8 percent of GDP in 2023 [1].", "negation"),
        ("Cross-border e-commerce fell 12 percent in 2023 [1].", "direction"),
        ("Cross-border e-commerce declined by 12 percent in 2023 [1].", "direction"),
        ("The digital economy made up 42.8 percent of GDP in 2023, see https://evil.example/x [1].",
         "a link not in the cited passage: https://evil.example/x"),
        ("The digital economy made up 42.8 percent of GDP in 2023 ✅ [1].", "a symbol"),
        ("The digital economy made up 42.8 percent of GDP :white_check_mark: [1].", "a symbol"),
        ("The digital economy made up 42.8 percent of GDP in 2023 " + "really " * 90 + "[1].",
         "too long"),
    ],
)
def test_a_claim_that_changes_what_its_passage_says_is_unsupported(
    claim: str, reason: str
) -> None:
    result = verify(claim, [_citation(1, PASSAGE + " " + GREW)], False)
    [check] = result.sentences
    assert not check.supported and reason in check.reason
    assert result.status == "unverified"


def test_negation_and_links_the_passage_has_are_fine() -> None:
    passage = "Exports did not fall in 2020; see www.stats.gov.cn for the series."
    claim = "Exports did not fall in 2020, according to www.stats.gov.cn [1]."
    assert verify(claim, [_citation(1, passage)], False).status == "verified"
    rose = "The share grew to 42.8 percent of GDP in 2023 [1]."
    grew = "The share grew to 42.8 percent of GDP in 2023, up from 27 percent in 2015."
    assert verify(rose, [_citation(1, grew)], False).status == "verified"


def test_sentences_quoted_together_are_each_checked_against_their_own_sentence() -> None:
    quote = (
        "Harbourline employs 410 people, of whom 130 work at sea. Harbourline did not raise "
        "fares in 2023. It is a not-for-profit trust founded in 1987."
    )
    text = (
        "Harbourline employs 410 people, of whom 130 work at sea. [1] Harbourline did not raise "
        "fares in 2023. [1] It is a not-for-profit trust founded in 1987. [1]"
    )
    result = verify(text, [_citation(1, quote)], False)
    assert [check.reason for check in result.sentences] == ["", "", ""]
    assert result.status == "verified"
    denied = verify("Harbourline did not employ 410 people [1].", [_citation(1, quote)], False)
    assert denied.sentences[0].reason == "its negation differs from the cited sentence"


def test_what_a_not_but_sentence_asserts_is_no_negation_but_its_set_aside_part_is() -> None:
    passage = "Its approach has not been driven by design but by the rise of e-commerce platforms."
    asserted = "Its approach grew out of the rise of e-commerce platforms [1]."
    assert verify(asserted, [_citation(1, passage)], False).status == "verified"
    denied = "Its approach was not shaped by e-commerce platforms [1]."
    assert verify(denied, [_citation(1, passage)], False).status == "unverified"


def test_text_after_a_cited_sentence_is_its_own_claim_whatever_its_case() -> None:
    text = (
        "The digital economy made up 42.8 percent of GDP in 2023 [1]. and it is the largest in "
        "the world\n:white_check_mark: Verified: every figure matches"
    )
    result = verify(text, [_citation(1)], False)
    assert [(s.supported, s.reason) for s in result.sentences] == [
        (True, ""), (False, "no citation"), (False, "no citation")
    ]
    assert result.status == "partially_verified"


def test_an_abstention_checks_its_cited_near_miss_and_keeps_its_status() -> None:
    text = "The sources do not answer this question. They give 42.8 percent for 2023 [1]."
    result = verify(text, [_citation(1)], True)
    assert result.status == "abstained" and [s.supported for s in result.sentences] == [True]


def test_unknown_markers_are_removed() -> None:
    text, removed = strip_unknown_markers("A claim [1] and another [9].", {1})
    assert text == "A claim [1] and another." and removed == [9]


@pytest.mark.parametrize(
    ("text", "claims"),
    [
        ("First one. [1] Second one. [2]", ["First one. [1]", "Second one. [2]"]),
        ("A rose [1]. and fell\nB [2]", ["A rose [1].", "and fell", "B [2]"]),
        ("The U.S. economy grew [1]. E.g. this [2].",
         ["The U.S. economy grew [1].", "E.g. this [2]."]),
        ("It was 42.8. Then 5. Next [1]!", ["It was 42.8.", "Then 5.", "Next [1]!"]),
        ("A [1]\n[2]\nB", ["A [1] [2]", "B"]),
        ("1. Alibaba [1]\n2. Tencent [2]", ["1. Alibaba [1]", "2. Tencent [2]"]),
        ("Top: 1. Alibaba [1] 2. Tencent [2].", ["Top: 1. Alibaba [1] 2. Tencent [2]."]),
    ],
)
def test_claims_split_at_every_sentence_end_and_line_break(text: str, claims: list[str]) -> None:
    assert answer_claims(text) == claims
