"""Terms for BM25: words, whole numbers and CJK characters with their bigrams."""

from assistant.knowledge.lexical import split_terms


def test_words_and_whole_numbers() -> None:
    assert split_terms("Exports rose to 2,500 units, 42.8% of the 2023 total.") == [
        "exports", "rose", "to", "2500", "units", "42.8", "of", "the", "2023", "total",
    ]


def test_a_cjk_run_gives_its_characters_and_bigrams_beside_latin_words() -> None:
    assert split_terms("Leave: 婚假为 3 days") == [
        "leave", "婚", "假", "为", "婚假", "假为", "3", "days",
    ]
    assert split_terms("휴가 policy") == ["휴", "가", "휴가", "policy"]


def test_text_without_cjk_gives_the_same_terms_as_a_word_by_word_scan() -> None:
    text = "Shein, Temu and AliExpress ship 1,000,000 parcels — über fast, naïve café."
    assert split_terms(text) == split_terms(text + " 婚")[:-1]
