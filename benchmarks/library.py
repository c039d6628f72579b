"""``ask(question)`` with no knowledge base against ``ask(question, knowledge=kb)``.

Same process, same store, same fixture questions; the two calls alternate question by question
(which goes first alternates too), so load on the machine falls on both alike. A third row
opens a new ``KnowledgeBase`` per call, as ``ask()`` without one did before it reused one.

    python -m benchmarks.library [--rounds N]    # writes benchmarks/results/library.json
"""

import argparse
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant import Answer, KnowledgeBase, ask
from benchmarks.latency import questions
from benchmarks.measure import RESULTS, WORK, load_average, machine, percentiles, write_json

TARGET_RATIO = 1.2  # ask() alone may be at most this much slower than with a shared kb (p50)
WARM_UP = 3
PER_CALL_QUESTIONS = 20  # opening a knowledge base per call is slow: a sample is enough


@contextmanager
def environment_for(kb: KnowledgeBase) -> Iterator[None]:
    """``Settings()`` in this block names ``kb``'s folders, as a user's environment would."""
    names = {"ASSISTANT_KNOWLEDGE_DIR": kb.settings.knowledge_dir,
             "ASSISTANT_DATA_DIR": kb.settings.data_dir}
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: str(path) for name, path in names.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _timed(call: Callable[[str], Answer], question: str) -> tuple[float, Answer]:
    started = time.perf_counter()
    result = call(question)
    return (time.perf_counter() - started) * 1000, result


def compare(
    kb: KnowledgeBase, rounds: int, asked: list[str] | None = None
) -> dict[str, Any]:
    """p50/p95 of both calls over ``asked`` (default: every fixture question), ``rounds``
    times, interleaved."""
    asked = asked or questions()
    implicit: list[float] = []
    explicit: list[float] = []
    differing: set[str] = set()

    def alone(question: str) -> Answer:
        return ask(question)

    def shared(question: str) -> Answer:
        return ask(question, knowledge=kb)

    def reopened(question: str) -> Answer:
        return ask(question, knowledge=KnowledgeBase(kb.settings))

    calls = [(implicit, alone), (explicit, shared)]
    with environment_for(kb):
        for question in asked[:WARM_UP]:
            ask(question)
            ask(question, knowledge=kb)
        for round_ in range(rounds):
            for i, question in enumerate(asked):
                answers = []
                for timings, call in calls if (i + round_) % 2 == 0 else calls[::-1]:
                    ms, answer = _timed(call, question)
                    timings.append(ms)
                    answers.append(answer.answer)
                if answers[0] != answers[1]:
                    differing.add(question)
        per_call = [_timed(reopened, q)[0] for q in asked[:PER_CALL_QUESTIONS]]
    return summary(asked, rounds, implicit, explicit, per_call, differing)


def summary(
    asked: list[str], rounds: int, implicit: list[float], explicit: list[float],
    per_call: list[float], differing: set[str],
) -> dict[str, Any]:
    alone, shared = percentiles(implicit), percentiles(explicit)
    ratio = round(alone["p50_ms"] / shared["p50_ms"], 3)
    return {
        "questions": len(asked),
        "rounds": rounds,
        "ask_without_knowledge_base": alone,
        "ask_with_shared_knowledge_base": shared,
        "new_knowledge_base_per_call": percentiles(per_call),
        "p50_ratio": ratio,
        "p95_ratio": round(alone["p95_ms"] / shared["p95_ms"], 3),
        "target_p50_ratio": TARGET_RATIO,
        "met": ratio <= TARGET_RATIO,
        "questions_answered_differently": sorted(differing),
    }


def library_lines(result: dict[str, Any]) -> list[str]:
    """The RESULTS.md section."""
    rows = [
        ("`ask(q)`, no knowledge base", result["ask_without_knowledge_base"]),
        ("`ask(q, knowledge=kb)`, one shared", result["ask_with_shared_knowledge_base"]),
        ("`ask(q, knowledge=KnowledgeBase(settings))`, a new one per call",
         result["new_knowledge_base_per_call"]),
    ]
    met = "met" if result["met"] else "not met"
    return [
        "## `ask()` without a knowledge base",
        "",
        "| call | p50 ms | p95 ms | n |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {name} | {v['p50_ms']} | {v['p95_ms']} | {v['n']} |" for name, v in rows],
        "",
        f"No knowledge base / shared one: p50 {result['p50_ratio']}×, p95 "
        f"{result['p95_ratio']}× (target p50 ≤ {result['target_p50_ratio']}×: {met}). "
        f"{result['questions']} fixture questions × {result['rounds']} rounds, interleaved. "
        f"Answers that differed between the two: {len(result['questions_answered_differently'])}."
        f" Load average at the end: {result['load_average_end']}.",
        "",
    ]


def run(out: Path, rounds: int) -> dict[str, Any]:
    from benchmarks.quality import corpus_files, open_knowledge

    kb = open_knowledge(corpus_files(decoys=False), WORK / "library")
    result = {"machine": machine(), **compare(kb, rounds), "load_average_end": load_average()}
    write_json(out / "library.json", result)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.library", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    args = parser.parse_args(argv)
    result = run(args.out, args.rounds)
    print("\n".join(library_lines(result)))


if __name__ == "__main__":
    main()
