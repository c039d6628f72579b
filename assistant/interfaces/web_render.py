"""HTML for the chat page: answers with linked markers and their support, source cards.

Every piece of document and user text goes through ``escape``; nothing here imports gradio.
"""

import html
import re

from assistant.types import Answer, Citation, SentenceCheck

_MARKER = re.compile(r"\[(\d+)\]")
_SPACED_MARKER = re.compile(r"\s?\[\d+\]")  # what verification strips from a sentence
_UNSHOWN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# Braces and dollars too: gr.HTML fills its value into a template.
_TEMPLATE_CHARS = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;"})
# Example questions offered on an empty chat, for the documents that come with the project.
EXAMPLES = {
    "china-digital-trade.md": [
        "What share of China's GDP was the digital economy in 2023?",
        "What was the total volume of cross-border e-commerce in 2024?",
        "What is the Digital Silk Road?",
        "What does China's digital trade framework aim for by 2029?",
    ]
}
# Offered for any documents.
GENERAL_EXAMPLES = ["Summarize the documents", "What documents do you have?"]
EMPTY_SOURCES = (
    '<div class="sources-panel sources-empty"><h3 class="panel-title">Sources</h3>'
    "<p>Ask a question: the passages behind the answer appear here, with the cited "
    "sentence highlighted.</p></div>"
)
CHAT_PLACEHOLDER = (
    '<div class="chat-welcome"><h2>Ask about your documents</h2><p>Every answer quotes its '
    "sources: click a marker like <b>[1]</b> to see the passage it comes from.</p></div>"
)


def escape(text: str) -> str:
    """Text as inert HTML, safe inside a chat message or a gr.HTML template."""
    return html.escape(text, quote=True).translate(_TEMPLATE_CHARS)


def mode_label(mode: str) -> str:
    """How an answer was produced, in words a reader understands."""
    if mode == "extractive":
        return "Offline · extractive"
    return f"Model · {mode.removeprefix('llm:')}"


def card_id(turn: int, n: int) -> str:
    return f"src-{turn}-{n}"


def user_html(question: str) -> str:
    """The question as typed, without the control, bidi-override and undecodable characters that
    ``ask`` drops too (a lone surrogate cannot even be sent to the browser)."""
    return f'<div class="question">{_paragraphs(escape(_UNSHOWN.sub("", question)))}</div>'


def streaming_html(text: str) -> str:
    """Answer text as it arrives, before it is verified."""
    return f'<div class="answer answer-streaming">{_paragraphs(escape(text))}</div>'


def answer_html(answer: Answer, turn: int) -> str:
    """The finished reply for the chat: small talk as text; an answer with linked markers, its
    support label once, and the per-sentence checks and stamp behind "Details"."""
    if answer.support.level == "no_claims":
        return f'<div class="reply">{_paragraphs(escape(answer.answer))}</div>'
    cited = {c.n for c in answer.citations}
    notice = _notice(answer, turn, cited)
    if answer.abstained:
        return (
            '<div class="abstention" role="status"><div class="abstention-title">Not in the '
            f"sources</div><p>{_linked(answer.answer, turn, cited)}</p>{notice}"
            '<p class="abstention-hint">Try other words, or add a document that covers it in '
            f"the Knowledge tab.</p>{model_draft_html(answer)}{_details(answer)}</div>"
        )
    body = _claims_body(answer.answer, answer.verification.sentences, turn, cited)
    draft = model_draft_html(answer)
    return f'<div class="answer">{body}{notice}{draft}{_answer_footer(answer)}</div>'


def _notice(answer: Answer, turn: int, cited: set[int]) -> str:
    if not answer.notice:
        return ""
    return f'<p class="answer-notice">{_linked(answer.notice, turn, cited)}</p>'


def model_draft_html(answer: Answer) -> str:
    """A model answer that failed verification, collapsed under the answer shown instead."""
    if answer.model_draft is None:
        return ""
    failed = [s.reason for s in answer.model_draft.verification.sentences if not s.supported]
    why = "; ".join(dict.fromkeys(failed)) or "cut off at its length limit"
    return (
        '<details class="model-draft"><summary>Unverified model draft</summary>'
        f"<p>{_paragraphs(escape(answer.model_draft.text))}</p>"
        f'<p class="model-draft-why">Not shown as the answer: {escape(why)}</p></details>'
    )


def _answer_footer(answer: Answer) -> str:
    count = len(answer.citations)
    sources = f"{count} source{'s' if count != 1 else ''}"
    level = answer.support.level
    return (
        f'<div class="answer-foot"><span class="support-tag support-{escape(level)}">'
        f"{escape(answer.support.label)}</span>"
        f'<span class="mode-tag">{escape(mode_label(answer.mode))}</span>'
        f"<span>{sources}</span></div>{_details(answer)}"
    )


def _details(answer: Answer) -> str:
    """What was checked, sentence by sentence, and what produced the answer; shown on demand."""
    rows = [
        f'<li class="sentence-check sentence-check-{"ok" if c.supported else "no"}">'
        f'<span class="check-mark">{"Checked" if c.supported else "Unverified"}</span> '
        f"{escape(c.sentence)}{'' if c.supported else f' — {escape(c.reason)}'}</li>"
        for c in answer.verification.sentences
    ]
    reasons = [escape(r) for r in answer.support.reasons]
    if answer.support.confidence is not None:
        reasons.append(f"confidence {answer.support.confidence:.0%}")
    numbers = answer.verification.unsupported_numbers
    if numbers:
        reasons.append("figures not in the sources: " + escape(", ".join(numbers)))
    why = f'<p class="details-why">{" · ".join(reasons)}</p>' if reasons else ""
    checks = f'<ul class="sentence-checks">{"".join(rows)}</ul>' if rows else ""
    return (
        '<details class="answer-details"><summary>Details</summary>'
        f'{checks}{why}<p class="stamp">{_stamp_line(answer)}</p></details>'
    )


def _claims_body(text: str, checks: list[SentenceCheck], turn: int, cited: set[int]) -> str:
    """Wrap each checked sentence of the answer; the text between them keeps its markers."""
    parts: list[str] = []
    cursor = 0
    for start, end, check in _claim_spans(text, checks):
        parts.append(_linked(text[cursor:start], turn, cited))
        parts.append(_claim(text[start:end], check, turn, cited))
        cursor = end
    parts.append(_linked(text[cursor:], turn, cited))
    return f'<div class="answer-body">{"".join(parts)}</div>'


def _claim_spans(text: str, checks: list[SentenceCheck]) -> list[tuple[int, int, SentenceCheck]]:
    """Where each checked sentence sits in the answer. Checks hold sentences without their
    markers ("... 2023 [1]." is checked as "... 2023."), so they are found in the answer with
    its markers taken out, and mapped back."""
    masked = {i for m in _SPACED_MARKER.finditer(text) for i in range(m.start(), m.end())}
    kept = [i for i in range(len(text)) if i not in masked]
    bare = "".join(text[i] for i in kept)
    spans: list[tuple[int, int, SentenceCheck]] = []
    cursor = 0
    for check in checks:
        at = bare.find(check.sentence, cursor) if check.sentence else -1
        if at < 0:
            continue
        cursor = at + len(check.sentence)
        spans.append((kept[at], kept[cursor - 1] + 1, check))
    return spans


def _claim(sentence: str, check: SentenceCheck, turn: int, cited: set[int]) -> str:
    """A checked sentence; only one the check did not back is marked, with the reason."""
    if check.supported:
        return f'<span class="claim claim-supported">{_linked(sentence, turn, cited)}</span>'
    why = check.reason or "Not backed by the cited passage"
    return (
        f'<span class="claim claim-unverified">{_linked(sentence, turn, cited)}</span>'
        f'<span class="claim-check claim-check-unverified" title="{escape(why)}">unverified'
        "</span>"
    )


def _linked(text: str, turn: int, cited: set[int]) -> str:
    """Escaped text with each ``[n]`` that has a source turned into a link to its card."""

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in cited:
            return match.group(0)
        target = card_id(turn, n)
        return f'<a class="cite" href="#{target}">[{n}]</a>'

    return _paragraphs(_MARKER.sub(link, escape(text)))


def _paragraphs(escaped: str) -> str:
    return escaped.replace("\n\n", "<br><br>").replace("\n", "<br>")


def sources_html(answer: Answer | None, turn: int) -> str:
    """The sources panel for one answer, titled with the question it belongs to."""
    if answer is None:
        return EMPTY_SOURCES
    cards = "".join(source_card(c, turn) for c in answer.citations)
    if answer.support.level == "no_claims":
        cards = '<p class="sources-none">This reply quotes nothing from the documents.</p>'
    elif not cards:
        cards = '<p class="sources-none">No passage in the knowledge base answers this.</p>'
    count = len(answer.citations)
    counted = f"{count} passage{'s' if count != 1 else ''}" if count else ""
    return (
        f'<div class="sources-panel" data-turn="{turn}"><div class="panel-head">'
        f'<h3 class="panel-title">Sources</h3><p class="panel-question">for '
        f"<q>{escape(_UNSHOWN.sub('', answer.question))}</q></p>"
        f'<span class="panel-count">{counted}</span></div>{cards}</div>'
    )


def _stamp_line(answer: Answer) -> str:
    total = answer.timings_ms.get("total")
    took = f" · {total:.0f} ms" if total is not None else ""
    stamp = answer.stamp
    return escape(
        f"corpus {stamp.corpus_fingerprint}{took} · {stamp.embedding_model} · "
        f"{stamp.prompt_version} · v{stamp.package_version}"
    )


def source_card(citation: Citation, turn: int) -> str:
    """Document, section and the chunk with the cited sentence highlighted."""
    section = citation.section if citation.section != citation.title else ""
    where = escape(citation.source) + (f" · {escape(section)}" if section else "")
    return (
        f'<article class="source-card" id="{card_id(turn, citation.n)}">'
        f'<header class="source-head"><span class="source-n">{citation.n}</span>'
        f'<div><div class="source-title">{escape(citation.title or citation.source)}</div>'
        f'<div class="source-where">{where}</div></div></header>'
        f'<blockquote class="source-chunk">{highlighted_chunk(citation)}</blockquote></article>'
    )


def highlighted_chunk(citation: Citation) -> str:
    """The chunk text with the quoted span in ``<mark>``; the offsets locate it exactly."""
    text = citation.chunk_text
    start = citation.start - citation.chunk_start
    end = citation.end - citation.chunk_start
    if not 0 <= start < end <= len(text):
        start = text.find(citation.quote)
        end = start + len(citation.quote)
    if start < 0 or not citation.quote:
        return escape(text)
    return (
        f'{escape(text[:start])}<mark class="quote">{escape(text[start:end])}</mark>'
        f"{escape(text[end:])}"
    )


def header_html(documents: int, chunks: int, mode: str) -> str:
    """The page title with what the assistant knows and how it answers."""
    plural = "s" if documents != 1 else ""
    return (
        '<header class="page-header"><div class="brand"><span class="brand-mark">[1]</span>'
        '<div><h1>Cited assistant</h1><p>Answers from your documents, with sources you can '
        'check.</p></div></div><div class="page-facts">'
        f'<span class="fact">{documents} document{plural} · {chunks} passages</span>'
        f'<span class="mode-tag">{escape(mode_label(mode))}</span></div></header>'
    )

