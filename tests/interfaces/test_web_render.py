"""The page's HTML: claims found around their markers, quotes located by their offsets."""

from assistant.answer.conversation import NO_CLAIMS
from assistant.interfaces.web_render import answer_html, highlighted_chunk, sources_html
from assistant.types import SentenceCheck, Verification
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
    assert f"First one.</span> {LINK} " in html and "claim-check" not in html


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


def test_the_support_label_shows_once_and_the_checks_and_stamp_on_demand() -> None:
    html = with_text("First one. [1] Second one. [1]", ("First one.", True), ("Second one.", False))
    assert html.count("Answers the question") == 1
    visible, details = html.split('<details class="answer-details"><summary>Details</summary>')
    assert "corpus 5cf05f2f6c1e6efd" not in visible and "12 ms" not in visible
    assert "corpus 5cf05f2f6c1e6efd · 12 ms" in details
    assert '<span class="check-mark">Checked</span> First one.' in details
    assert '<span class="check-mark">Unverified</span> Second one. — no figure' in details


def test_a_near_miss_marker_in_a_not_in_the_sources_notice_opens_its_card() -> None:
    answer = make_answer()
    answer.abstained = True
    answer.answer = "The sources do not answer this question. They give a figure for 2023 [1]."
    html = answer_html(answer, 4)
    assert "Not in the sources" in html and f"for 2023 {LINK}." in html


def test_small_talk_is_plain_text_without_sources() -> None:
    answer = make_answer("thanks")
    answer.answer, answer.citations = "You're welcome!", []
    answer.support, answer.verification = NO_CLAIMS, Verification(status="no_claims")
    assert answer_html(answer, 6) == '<div class="reply">You&#x27;re welcome!</div>'
    panel = sources_html(answer, 6)
    assert "<q>thanks</q>" in panel and "quotes nothing from the documents" in panel


def test_the_sources_panel_is_titled_with_its_question() -> None:
    panel = sources_html(make_answer("What share <b>of</b> GDP?"), 2)
    assert '<p class="panel-question">for <q>What share &lt;b&gt;of&lt;/b&gt; GDP?</q></p>' in panel
    assert "1 passage" in panel and 'id="src-2-1"' in panel
