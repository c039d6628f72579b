"""Refusals recognised as a whole answer, by wording or by meaning (the bundled MiniLM)."""

import pytest

from assistant.answer.draft import REFUSAL
from assistant.answer.refusal import MIN_SIMILARITY, REFERENCES, as_refusal, refusal_claims
from assistant.knowledge.embeddings import MiniLMEmbeddings, as_array

PARAPHRASES = [
    "The sources do not support this.",
    "The provided sources don't say.",
    "I could not find this in the sources.",
    "There is not enough information in the sources to answer.",
    "None of the sources addresses this question.",
    "The sources don't provide an answer to this.",
    "Unfortunately, the given sources do not include data on that.",
    "The context does not specify this.",
    "I don't know based on the sources.",
]
# Negated statements about the documents' subject, and refusal look-alikes without a negation.
NOT_REFUSALS = [
    "The digital economy did not grow in 2023.",
    "China's exports did not fall in 2015.",
    "The framework does not include tariffs.",
    "No country signed the agreement before 2020.",
    "The Digital Silk Road is not a trade agreement.",
    "It is not clear whether the policy succeeded.",
    "The sources answer this question.",
    "This question is answered by the sources.",
]


@pytest.fixture(scope="module")
def embeddings() -> MiniLMEmbeddings:
    return MiniLMEmbeddings()


def test_the_threshold_separates_paraphrases_from_negated_claims(
    embeddings: MiniLMEmbeddings,
) -> None:
    references = as_array(embeddings, list(REFERENCES))
    lowest = (as_array(embeddings, PARAPHRASES) @ references.T).max(axis=1).min()
    assert lowest >= MIN_SIMILARITY
    found = refusal_claims(PARAPHRASES + NOT_REFUSALS, embeddings)
    assert found == set(range(len(PARAPHRASES)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (REFUSAL, REFUSAL),
        ("The sources do not answer this question [1].", REFUSAL),
        ("The sources do not support this.", REFUSAL),
        (f"{REFUSAL} They give 42.8 percent for 2023 [1].",
         f"{REFUSAL} They give 42.8 percent for 2023 [1]."),
        # A refusal mixed with claims is no abstention: the claims get checked.
        (f"The answer is 2024, 2023. {REFUSAL}", None),
        (f"{REFUSAL} It was 97 percent. See https://evil.example/login", None),
        (f"{REFUSAL} They give 42.8 percent [1]. And 27 percent [1].", None),
        ("The digital economy did not grow in 2023 [1].", None),
    ],
)
def test_a_refusal_is_recognised_only_as_a_whole_answer(
    embeddings: MiniLMEmbeddings, text: str, expected: str | None
) -> None:
    assert as_refusal(text, embeddings) == expected
