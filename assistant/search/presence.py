"""Whether the corpus mentions a name the question asks about, before saying it does not.

"They do not mention X" is said only when X is absent from the whole corpus after
normalising case, spacing ("Power Point" / "PowerPoint"), hyphens, acronym and long form, word
endings (stems) and a typo within a small edit distance; and never for a person's name asked
of a first-person document, whose author may be its narrator.
"""

import re
from collections.abc import Sequence

from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.lexical import split_terms
from assistant.search.question import mentions_words, stems_of
from assistant.types import Hit

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_FIRST_PERSON = re.compile(r"\b(?:I|me|my|mine|myself)\b")
# First-person pronouns per word above which a passage is told by its narrator.
FIRST_PERSON_SHARE = 0.01


def _typo_distance(term: str) -> int:
    return 0 if len(term) <= 3 else 1 if len(term) <= 6 else 2


def _known(kb: KnowledgeBase, words: list[str]) -> bool:
    return bool(words) and all(
        any(kb.lexical.near(stem, _typo_distance(stem)) for stem in stems_of(word))
        for word in words
    )


def in_corpus(kb: KnowledgeBase, name: str) -> bool:
    """Whether every word of ``name`` (or its spacing variants) occurs in the indexed corpus."""
    words = split_terms(name)
    joined = "".join(words)
    split = split_terms(_CAMEL.sub(" ", name))
    return _known(kb, words) or _known(kb, [joined]) or _known(kb, split)


def _narrated(hits: Sequence[Hit]) -> bool:
    text = " ".join(hit.text for hit in hits)
    words = max(1, len(text.split()))
    return len(_FIRST_PERSON.findall(text)) / words >= FIRST_PERSON_SHARE


def _person_like(name: str) -> bool:
    parts = name.split()
    return 1 <= len(parts) <= 4 and all(p[:1].isupper() and not p.isupper() for p in parts)


def absent_names(kb: KnowledgeBase, names: Sequence[str], hits: Sequence[Hit]) -> list[str]:
    """The names no retrieved passage mentions and the corpus does not hold in any form."""
    absent = [
        name for name in names
        if not any(mentions_words(f"{hit.title} {hit.text}", name) for hit in hits)
        and not in_corpus(kb, name)
    ]
    if absent and _narrated(hits):
        absent = [name for name in absent if not _person_like(name)]
    return absent
