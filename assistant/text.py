"""Text normalisation and sentence splitting, shared by the loaders, the chunker and the checks.

Offsets everywhere are counted in the text ``clean_text`` returns.
"""

import re
import unicodedata
from functools import lru_cache

# No stored sentence is longer: a longer one is cut into pieces (a quote is one sentence or
# more, and answers stay under ASSISTANT_MAX_ANSWER_CHARS, 600 by default).
MAX_SENTENCE_CHARS = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0]+")
# Typographic ligatures (U+FB00-FB06): a PDF's "ﬁ" must match a question's "fi". Only these get
# compatibility decomposition: full NFKC would also turn "10²" into "102".
_LIGATURES = re.compile("[\ufb00-\ufb06]")

# CJK ideographs, kana and hangul: scripts written without spaces between words.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"

# A Latin sentence ends at . ! or ? (optionally closed by a quote or bracket, optionally followed
# by a footnote number such as "(DDT).2"), then whitespace and a capital, digit, quote or bracket.
# A CJK sentence ends at 。！？ (optionally closed by a quote or bracket), with or without a space.
SENTENCE_BOUNDARY = (
    r"(?:(?:(?<=[.!?])|(?<=[.!?][\"”’)])|(?<=[a-z)”][.]\d))"
    r"(?<!\b[A-Z]\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\bMr\.)(?<!\bDr\.)(?<!\bNo\.)"
    r"(?<!\bSt\.)(?<!\bInc\.)(?<!\bCo\.)"
    r"\s+(?=[\"“(\[A-Z0-9]))"
    r"|(?:(?<=[。！？])|(?<=[。！？][」』”’）]))\s*(?=\S)(?![」』”’）])"
)
_BOUNDARY = re.compile(SENTENCE_BOUNDARY)
_FOOTNOTE = re.compile(r"(?<=[a-z)”][.,])\d{1,2}(?=\s|$)")
# Where an over-long sentence may be cut, best first: after a clause mark, then at a space.
_CLAUSE = re.compile(r"[,;:，；：、]\s*")
_NEGATION = re.compile(
    r"\b(?:not(?!\s+only\b)|no|never|none|neither|nor|cannot|without)\b|n[’']t\b", re.IGNORECASE
)
# "not X but Y" sets X aside and asserts Y ("not only X but" asserts both).
_SET_ASIDE = re.compile(r"\bnot\b(?!\s+only\b)[^.;:]{1,80}?\bbut\b", re.IGNORECASE)


def expand_ligatures(text: str) -> str:
    return _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def clean_text(text: str) -> str:
    """NFC, ligatures expanded, no control characters, single spaces (newlines kept)."""
    text = unicodedata.normalize("NFC", expand_ligatures(text))
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


def non_latin_share(text: str) -> float:
    """Share (0-1) of the letters that are not Latin script (CJK, Cyrillic, Arabic...)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    latin = sum(1 for c in letters if c <= "\u024f" or "\u1e00" <= c <= "\u1eff")
    return 1 - latin / len(letters)


def sentence_spans(text: str, max_chars: int | None = None) -> list[tuple[int, int]]:
    """Start and end of every sentence of ``text``; with ``max_chars``, a longer sentence is
    cut into pieces of at most that many characters (at a clause mark or space when it can)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if text[start : match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    spans = [_trim(text, a, b) for a, b in spans]
    if max_chars is None:
        return spans
    return [piece for a, b in spans for piece in cut_span(text, a, b, max_chars)]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while text[start].isspace():
        start += 1
    return start, end


def cut_span(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """[start, end) in pieces of at most ``max_chars``, cut after a clause mark or at a space
    in the last third of the allowance when there is one, else exactly at the limit."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        window = text[start : start + max_chars]
        floor = max_chars * 2 // 3
        cut = max((m.end() for m in _CLAUSE.finditer(window, floor)), default=0)
        if not cut:
            space = window.rfind(" ", floor)
            cut = space + 1 if space > 0 else max_chars
        piece_end = start + len(window[:cut].rstrip())
        pieces.append((start, piece_end))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces


def drop_footnote_marks(sentence: str) -> str:
    """ "economy,1 fueled" -> "economy, fueled": footnote digits are not part of the claim."""
    return _FOOTNOTE.sub("", sentence)


@lru_cache(maxsize=8192)
def negates(text: str) -> bool:
    """Whether the text negates what it says; "not X but Y" sets X aside and asserts Y
    (cached)."""
    return _NEGATION.search(_SET_ASIDE.sub(" ", text)) is not None
