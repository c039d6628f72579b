import pytest

from assistant.answer.condense import condense, topical
from assistant.answer.core import ask
from assistant.knowledge.base import KnowledgeBase
from assistant.search.question import entities_in
from assistant.types import Turn
from tests.fakes import FakeOpenAIServer

PREVIOUS = [
    Turn(role="user", content="What share of GDP was the digital economy in 2023?"),
    Turn(role="assistant", content="42.8 percent [1]."),
]


def test_a_year_follow_up_replaces_the_year() -> None:
    assert (
        condense("And in 2015?", PREVIOUS) == "What share of GDP was the digital economy in 2015?"
    )


def test_a_follow_up_with_a_pronoun_carries_the_previous_question() -> None:
    question = condense("What about its imports?", PREVIOUS)
    assert question.startswith("What share of GDP") and question.endswith("What about its imports?")


def test_a_standalone_question_is_left_alone() -> None:
    question = "How many overseas warehouses had China established by 2024?"
    assert condense(question, PREVIOUS) == question
    assert condense("And in 2015?", []) == "And in 2015?"


def test_a_follow_up_asking_its_own_question_keeps_it_and_borrows_only_the_topic() -> None:
    history = [
        Turn(role="user", content="When did China apply to join the CPTPP and DEPA?"),
        Turn(role="assistant", content="In 2021 [1]."),
    ]
    question = condense("What is the main thing standing in the way of its joining them?", history)
    assert question.startswith("What is the main thing standing in the way")
    assert "China apply to join the CPTPP and DEPA" in question
    assert "When" not in question
    assert {"China", "CPTPP", "DEPA"} <= set(entities_in(question))


# Follow-ups that name a topic, and small talk in the history ------------------------------------

MOU = "How many countries had signed e-commerce MoUs with China by July 2024?"


def test_a_phrase_like_one_of_the_previous_question_takes_its_place(
    bundled_kb: KnowledgeBase,
) -> None:
    embeddings = bundled_kb.embeddings
    exports = [Turn(role="user", content="Where does China rank in exports of services?")]
    assert condense("What about imports?", exports, embeddings) == (
        "Where does China rank in imports of services?"
    )
    china = [Turn(role="user", content="How much did China export in 2023?")]
    assert condense("and the United States?", china, embeddings) == (
        "How much did the United States export in 2023?"
    )
    assert condense("And in India?", china, embeddings) == "How much did India export in 2023?"
    team = [Turn(role="user", content="How much does the Team plan cost?")]
    assert condense("And the Enterprise plan?", team, embeddings) == (
        "How much does the Enterprise plan cost?"
    )


def after(previous: str, follow_up: str, kb: KnowledgeBase) -> str:
    """``follow_up`` made standalone after the one user question ``previous``."""
    return condense(follow_up, [Turn(role="user", content=previous)], kb.embeddings)


@pytest.mark.parametrize(
    ("previous", "follow_up", "standalone"),
    [
        # A new topic keeps what was asked for and the proper names it was asked of.
        (MOU, "what about pilot zones?", "How many pilot zones (China)?"),
        ("How many patients did Harborview treat in 2022?", "What about beds?",
         "How many beds (Harborview)?"),
        ("What is the Digital Silk Road?", "What about the harbour fees?",
         "What about the harbour fees?"),
        # A name takes the place of the previous question's one name.
        ("Who chairs the board of Harbourline?", "What about Quillmoor?",
         "Who chairs the board of Quillmoor?"),
        ("Who chairs the Harbourline Trust?", "What about the Quillmoor Trust?",
         "Who chairs the Quillmoor Trust?"),
    ],
)
def test_a_phrase_on_a_new_topic_or_a_new_name_is_asked_in_the_previous_questions_frame(
    previous: str, follow_up: str, standalone: str, bundled_kb: KnowledgeBase
) -> None:
    assert after(previous, follow_up, bundled_kb) == standalone


def test_a_new_topic_is_answered_about_that_topic(bundled_kb: KnowledgeBase) -> None:
    history = [{"role": "user", "content": MOU}, {"role": "assistant", "content": "33 [1]"}]
    answer = ask("what about pilot zones?", history=history, knowledge=bundled_kb)
    assert "165 cross-border e-commerce pilot zones" in answer.answer
    assert "33 countries" not in answer.answer


def test_small_talk_turns_are_left_out_of_the_history() -> None:
    history = [
        Turn(role="user", content="hi"), Turn(role="assistant", content="Hello!"),
        Turn(role="user", content="Thanks, what is the tariff on steel?"),
        Turn(role="assistant", content="25 percent [1]."),
        Turn(role="user", content="thanks"), Turn(role="assistant", content="You're welcome!"),
        Turn(role="user", content="summarize the article"), Turn(role="assistant", content="…"),
    ]
    assert [t.content for t in topical(history)] == [
        "what is the tariff on steel?", "25 percent [1]."
    ]
    assert condense("And in 2015?", history) == "what is the tariff on steel? And in 2015?"


def test_with_a_model_the_condensed_question_is_the_models_and_small_talk_is_not_shown(
    bundled_kb: KnowledgeBase,
) -> None:
    standalone = "How many cross-border e-commerce pilot zones has China set up?"
    history = [
        {"role": "user", "content": MOU}, {"role": "assistant", "content": "33 [1]"},
        {"role": "user", "content": "thanks!"}, {"role": "assistant", "content": "Welcome!"},
    ]
    with FakeOpenAIServer(standalone, "There are 165 pilot zones [1].") as server:
        settings = bundled_kb.settings.model_copy(
            update={"openai_base_url": server.url, "chat_model": "fake-llm", "llm_max_retries": 0}
        )
        answer = ask("what about pilot zones?", history=history, knowledge=bundled_kb,
                     settings=settings)
    condensing, answering = server.chat_requests
    conversation = condensing["messages"][-1]["content"]
    assert MOU in conversation and "thanks" not in conversation and "Welcome" not in conversation
    assert answer.standalone_question == standalone
    assert "165" in answer.answer and "pilot zones" in answering["messages"][-1]["content"]


def test_the_previous_question_is_itself_made_standalone_first(bundled_kb: KnowledgeBase) -> None:
    history = [
        Turn(role="user", content="How much did China export in 2023?"),
        Turn(role="assistant", content="3.4 trillion dollars [1]."),
        Turn(role="user", content="And in 2022?"),
        Turn(role="assistant", content="3.6 trillion dollars [1]."),
    ]
    assert condense("and the United States?", history, bundled_kb.embeddings) == (
        "How much did the United States export in 2022?"
    )


def test_only_a_proper_name_takes_the_place_of_only_one_name(
    bundled_kb: KnowledgeBase,
) -> None:
    for not_a_name, swapped in (("What about the CFO?", "chairs the CFO"),
                                ("What about March?", "chairs March")):
        assert swapped not in after("Who chairs Harbourline?", not_a_name, bundled_kb)
    assert after("Did Harbourline buy the Quillmoor depot?", "What about Selwick?",
                 bundled_kb) != "Did Selwick buy the Quillmoor depot?"
