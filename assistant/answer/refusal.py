"""Refusals in a model's answer: the shared sentence, or a paraphrase of it recognised by meaning.

An answer abstains only when it is a refusal as a whole: refusal sentences, plus at most the one
cited sentence the answer prompt allows ("what the sources do give instead"). A refusal mixed
with other claims is no abstention, and those claims are checked like any others.

A paraphrase is a claim without a citation that negates ("not", "cannot", "n't", ...) and whose
embedding is within ``MIN_SIMILARITY`` (cosine) of one of ``REFERENCES``. The negation is
required because sentence embeddings barely see it: with the bundled MiniLM, "The sources
answer this question." scores 0.85 against the refusal. Measured on the paraphrases and near
misses in ``tests/answer/test_refusal.py``: refusals 0.68-0.96, negated non-refusals at most 0.47.
"""

import re
from collections.abc import Sequence

from langchain_core.embeddings import Embeddings

from assistant.answer.draft import REFUSAL
from assistant.checks.claims import answer_claims, bare, cited_numbers

MIN_SIMILARITY = 0.6
REFERENCES = (
    REFUSAL,
    "The sources do not contain this information.",
    "I could not find that information in the sources.",
    "The context does not provide this information.",
    "I cannot answer this question from the sources provided.",
    "There is no information about this in the documents.",
)
_NEGATES = re.compile(
    r"\b(?:not|no|none|nothing|neither|cannot|unable|insufficient|lack\w*)\b|n[’']t\b",
    re.IGNORECASE,
)


def _plain(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split()).rstrip(".! ")


def refusal_claims(claims: Sequence[str], embeddings: Embeddings | None) -> set[int]:
    """Indexes of the claims that are refusals: the shared sentence (markers aside), or an
    uncited paraphrase of it when ``embeddings`` are given."""
    found = {i for i, claim in enumerate(claims) if _plain(bare(claim)) == _plain(REFUSAL)}
    candidates = [
        i for i, claim in enumerate(claims)
        if i not in found and not cited_numbers(claim) and _NEGATES.search(claim)
    ]
    if embeddings is None or not candidates:
        return found
    from assistant.knowledge.embeddings import as_array

    vectors = as_array(embeddings, [bare(claims[i]) for i in candidates] + list(REFERENCES))
    similarity = vectors[: len(candidates)] @ vectors[len(candidates) :].T
    return found | {i for i, row in zip(candidates, similarity, strict=True)
                    if float(row.max()) >= MIN_SIMILARITY}


def as_refusal(text: str, embeddings: Embeddings | None) -> str | None:
    """The answer rewritten as the shared refusal (plus its one cited near miss) when it is a
    refusal as a whole; ``None`` when it is not."""
    claims = answer_claims(text)
    refusals = refusal_claims(claims, embeddings)
    others = [claim for i, claim in enumerate(claims) if i not in refusals]
    if not refusals or len(others) > 1 or (others and not cited_numbers(others[0])):
        return None
    return " ".join([REFUSAL, *others])
