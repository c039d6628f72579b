import pytest

from assistant.text import negates


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("The museum did not open in 1921.", True),
        ("Visitors can't bring food.", True),
        ("It grew without a plan.", True),
        ("The museum opened in 1921.", False),
        ("It was driven not by design but by the rise of platforms.", False),
        ("It is not only cheaper but faster.", False),
    ],
)
def test_a_sentence_negates_unless_it_sets_one_thing_aside_for_another(
    text: str, negated: bool
) -> None:
    assert negates(text) is negated
