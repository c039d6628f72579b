import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.checks.numbers import extract_figures, normalise_for_match, unsupported, years_in


@pytest.mark.parametrize(
    ("answer", "source"),
    [
        ("42.8%", "42.8 percent"),
        ("$363bn", "US$363 billion"),
        ("US$ 363 billion", "about US$363 billion"),
        ("2500 warehouses", "2,500 overseas warehouses"),
        ("2.63 trillion yuan", "2,630 billion yuan"),
        ("ranked 6th", "ranks sixth"),
        ("the 14th Five-Year Plan", "the fourteenth Five-Year Plan"),
        ("the 20th National Congress", "the Twentieth National Congress"),
        ("the 21st century", "the twenty-first century"),
        ("within 3 days", "within three days"),
        ("12% of firms", "twelve percent of firms"),
        ("42 per cent", "forty-two percent"),
        ("two thirds of exports", "two-thirds of exports"),
        ("US$3 billion", "three billion dollars"),
        ("250 firms", "two hundred and fifty firms"),
        ("120,000 companies", "More than 120,000 Chinese companies"),
    ],
)
def test_equal_figures_written_differently_match(answer: str, source: str) -> None:
    assert unsupported(extract_figures(answer), extract_figures(source)) == []


@pytest.mark.parametrize(
    ("answer", "source"),
    [
        ("43 percent", "42.8 percent"),
        ("42.8 billion", "42.8 percent"),
        ("US$363 million", "US$363 billion"),
        ("363 billion yuan", "US$363 billion"),
        ("in 2010", "in 2015 and 2023"),
        ("within 4 days", "within three days"),
        ("a third of exports", "33 percent of exports"),
        ("the 15th plan", "the fourteenth plan"),
    ],
)
def test_different_figures_do_not_match(answer: str, source: str) -> None:
    assert unsupported(extract_figures(answer), extract_figures(source)) != []


def test_kinds_and_footnotes() -> None:
    figures = extract_figures(
        "The digital economy,1 made up 42.8 percent of GDP in 2023 (DDT).2 In"
    )
    assert [(f.value, f.kind) for f in figures] == [(42.8, "percent"), (2023.0, "year")]
    assert years_in("from 2015 to 2023, with 2,500 warehouses") == {2015, 2023}


def test_normalise_for_match() -> None:
    assert (
        normalise_for_match("US$363 Billion, 42.8%  and 2,500 “made”")
        == '$363 billion, 42.8 percent and 2500 "made"'
    )


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separators_never_change_a_value(value: int) -> None:
    with_commas = f"{value:,}"
    assert [f.value for f in extract_figures(with_commas)] == [float(value)]
    assert normalise_for_match(with_commas) == str(value)


@given(st.decimals(min_value=0, max_value=1000, places=1, allow_nan=False))
def test_percent_sign_and_word_are_the_same_figure(value: object) -> None:
    sign, word = extract_figures(f"{value}%"), extract_figures(f"{value} percent")
    assert len(sign) == len(word) == 1 and sign[0].matches(word[0])
    assert normalise_for_match(f"{value}%") == normalise_for_match(f"{value} percent")


@given(st.text(max_size=200))
def test_extraction_never_crashes(text: str) -> None:
    for figure in extract_figures(text):
        assert figure.kind in {"percent", "money", "year", "ordinal", "fraction", "number"}


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("three days", [(3, "number")]),
        ("twelve percent of GDP", [(12, "percent")]),
        ("a third of exports", [(1 / 3, "fraction")]),
        ("one-third.", [(1 / 3, "fraction")]),
        ("a third party", [(3, "ordinal")]),
        ("fourteenth and Twentieth", [(14, "ordinal"), (20, "ordinal")]),
        ("one of the largest", []),
        ("one million users", [(1e6, "number")]),
        ("Tencent and tenfold", []),
    ],
)
def test_number_words_are_figures(text: str, figures: list[tuple[float, str]]) -> None:
    found = [(f.value, f.kind) for f in extract_figures(text)]
    assert [kind for _, kind in found] == [kind for _, kind in figures]
    assert all(abs(a - b) < 1e-9 for (a, _), (b, _) in zip(found, figures, strict=True))


@pytest.mark.parametrize(
    "text",
    [
        "1. Alibaba 2. Tencent 3. ByteDance",
        "Leaders:\n1. Alibaba\n2) Tencent\n- 3. JD",
        "(1) Alibaba, (2) Tencent",
        '<source id="1" title="x">Alibaba</source> [2]',
    ],
)
def test_list_numbering_markup_and_markers_are_not_figures(text: str) -> None:
    assert extract_figures(text) == []


def test_a_figure_before_a_sentence_end_is_still_a_figure() -> None:
    assert [f.value for f in extract_figures("It grew 5. Then 6 more.")] == [5, 6]
    assert [f.value for f in extract_figures('<b class="x">42.8 percent</b>')] == [42.8]
