"""The page's HTML: claims found around their markers, quotes located by their offsets."""

from assistant.interfaces.web_render import answer_html, highlighted_chunk
from assistant.types import SentenceCheck
from tests.interfaces.web_doubles import CHUNK, QUOTE, make_answer


def with_text(text: str, *checks: tuple[str, bool]) -> str:
    answer = make_answer()
    answer.answer = text
    answer.verification.sentences = [
        SentenceCheck(sentence=s, citations=[1], supported=ok, reason="" if ok else "no figure")
        for s, ok in checks
    ]
    return answer_html(answer, 4)


LINK = '<a class="cite" href="#src-4-1">[1]</a>'


def test_model_style_markers_inside_sentences() -> None:
    html = with_text("Exports grew [1]. Imports fell 5% [1] [2].", ("Exports grew.", True),
                     ("Imports fell 5%.", False))
    assert f'<span class="claim claim-supported">Exports grew {LINK}.</span>' in html
    assert f'<span class="claim claim-unverified">Imports fell 5% {LINK} [2].</span>' in html
    assert 'title="no figure">unverified<' in html


def test_extractive_style_markers_after_sentences() -> None:
    html = with_text("First one. [1] Second one. [1]", ("First one.", True), ("Second one.", True))
    assert html.count('<span class="claim claim-supported">') == 2
    assert f"First one.</span>{_badge()} {LINK} " in html


def _badge() -> str:
    return (
        '<span class="claim-check claim-check-supported" '
        'title="Checked against the cited passage">supported</span>'
    )


def test_a_sentence_the_checks_do_not_name_is_still_shown_with_its_links() -> None:
    html = with_text("Rewritten text [1].", ("Something else.", True))
    assert f"Rewritten text {LINK}." in html and "claim-check" not in html


def test_the_quote_is_found_by_offsets_then_by_text() -> None:
    answer = make_answer()
    [citation] = answer.citations
    assert f'<mark class="quote">{QUOTE}</mark>' in highlighted_chunk(citation)
    moved = citation.model_copy(update={"start": 0, "end": 10_000})
    assert f'<mark class="quote">{QUOTE}</mark>' in highlighted_chunk(moved)
    missing = citation.model_copy(update={"start": 0, "end": 10_000, "quote": "Not there."})
    assert highlighted_chunk(missing) == CHUNK
