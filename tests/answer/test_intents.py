"""Recognising small talk, help, the document list and summary requests before retrieval, and
leaving real questions alone (including SQuAD's 2,558 dev questions of six articles)."""

import json
from pathlib import Path

import pytest

from assistant.answer.intents import recognise, small_talk

ROOT = Path(__file__).resolve().parents[2]
SQUAD_PLACES = [
    Path("/work/shared/datasets/squad2-dev/squad2-dev-6-articles.json"),
    ROOT.parent / "shared" / "datasets" / "squad2-dev" / "squad2-dev-6-articles.json",
]


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("hi", "greeting"), ("Hello there!", "greeting"), ("hey, how are you?", "greeting"),
        ("Good morning :)", "greeting"), ("thanks", "thanks"), ("Thank you so much!", "thanks"),
        ("great, thanks a lot", "thanks"), ("ok got it", "thanks"), ("bye", "goodbye"),
        ("ok thanks, bye", "goodbye"), ("See you later!", "goodbye"),
        ("That's all for now", "goodbye"),
    ],
)
def test_small_talk_is_every_word_of_the_message(message: str, intent: str) -> None:
    assert small_talk(message) == intent
    assert recognise(message).intent == intent


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("help", "help"), ("What can you do?", "help"), ("what can you answer?", "help"),
        ("What kind of questions can I ask?", "help"), ("how does this work?", "help"),
        ("Who are you?", "help"), ("What documents do you have?", "documents"),
        ("which sources do you use", "documents"), ("List the documents", "documents"),
        ("what's in the knowledge base?", "documents"), ("What do you know?", "documents"),
        ("How many documents do you have?", "documents"),
    ],
)
def test_questions_about_the_assistant(message: str, intent: str) -> None:
    assert recognise(message).intent == intent


@pytest.mark.parametrize(
    ("message", "target"),
    [
        ("summarize the article", "the article"),
        ("Summarise harbour-report.md", "harbour report md"),
        ("Can you summarize the report for me in three sentences?", "the report"),
        ("What is this document about?", "this document"),
        ("main points of the article", "the article"),
        ("What are the key takeaways from the paper?", "the paper"), ("give me a summary", ""),
        ("TL;DR", ""), ("overview of the documents", "the documents"),
        ("What does the report say?", "the report"),
    ],
)
def test_summary_requests_keep_what_they_name(message: str, target: str) -> None:
    recognised = recognise(message)
    assert recognised.intent == "summary" and recognised.target == target


@pytest.mark.parametrize(
    "question",
    [
        "How does the summary of the 2021 plan describe X?",
        "What is the summary judgment rule in the 1998 statute?",
        "Thanks to which treaty did trade grow after 2001?",
        "Who said hello first on the telephone?",
        "What does the report say about pilot zones?",
        "Help me understand why exports fell in 2015.",
        "Which document did the council publish in 2019?",
        "What sources of energy does the plan rely on?",
        "How many documents were signed at the summit?",
        "What was the outline of the proposal the ministers rejected?",
        "hi-fi equipment exports in 2020?",
        "Goodbye Lenin was released in which year?",
        "What about pilot zones?",
    ],
)
def test_real_questions_are_questions(question: str) -> None:
    recognised = recognise(question)
    assert recognised.intent == "question" and recognised.text == question


def test_a_leading_greeting_or_thanks_is_dropped_and_the_question_kept() -> None:
    assert recognise("Hi, what share of GDP was services in 2020?").text == (
        "what share of GDP was services in 2020?"
    )
    assert recognise("thanks! and in 2015?").text == "and in 2015?"
    assert recognise("hello what can you do").intent == "help"
    # A word of thanks that is part of the question stays.
    assert recognise("Thanks to what did output grow?").text == "Thanks to what did output grow?"


def test_none_of_the_squad_dev_questions_is_taken_for_small_talk_or_a_request() -> None:
    path = next((p for p in SQUAD_PLACES if p.exists()), None)
    if path is None:
        pytest.skip("the SQuAD 2.0 dev sample is not beside the repository (shared/datasets)")
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    questions = [qa["question"] for a in data for p in a["paragraphs"] for qa in p["qas"]]
    assert len(questions) == 2558
    flagged = [q for q in questions if recognise(q).intent != "question" or recognise(q).text != q]
    assert flagged == []
