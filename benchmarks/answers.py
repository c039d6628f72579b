"""Answer quality per dataset, on documents the answer step was not built around.

    python -m benchmarks.answers [--articles held-out|training|all]

Datasets:
- SQuAD 2.0 dev, held out: every question of the two articles the fitted parameters never saw
  (``evals/datasets/squad2-heldout.yaml``), asked against the whole six-article corpus.
- SQuAD 2.0 dev, training: the other four articles (in-sample for the fitted parameters; shown
  to compare, not to judge).
- The bundled article's eval fixtures (written here; never used for fitting).

For each: pass rate, answerable accuracy (a gold span in the answer's cited sentences),
answerable declined, unanswerable declined (recall) and precision of declines, the precision
of the "answered" support level, retrieval recall@1 (a gold span in the first chunk handed to
the answer step), and beside it the LangChain tutorial pipeline (``benchmarks.peer``), which
retrieves and never declines. Results: ``benchmarks/results/answers.json``.
"""

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant import ask
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.embeddings import MiniLMEmbeddings
from assistant.search.retrieve import search
from benchmarks.fit_answer import DATASET, HELD_OUT_SPEC, holds_gold, open_corpus
from benchmarks.measure import RESULTS, WORK
from benchmarks.peer import PeerPipeline
from evals.squad import Question, load_articles, load_spec


@dataclass
class Outcome:
    """One question: what the answer step did and what retrieval put first."""

    answerable: bool
    declined: bool
    correct: bool
    level: str
    first_chunk_holds: bool
    peer_first_holds: bool
    latency_ms: float


def _ratio(part: int | float, whole: int | float) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


def summarise(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    declined = [o for o in outcomes if o.declined]
    top = [o for o in outcomes if o.level == "answered"]
    passed = sum(o.correct if o.answerable else o.declined for o in outcomes)
    return {
        "cases": len(outcomes),
        "answerable": len(answerable),
        "pass_rate": _ratio(passed, len(outcomes)),
        "answerable_accuracy": _ratio(sum(o.correct for o in answerable), len(answerable)),
        "answerable_declined": _ratio(sum(o.declined for o in answerable), len(answerable)),
        "unanswerable_declined": _ratio(sum(o.declined for o in unanswerable), len(unanswerable)),
        "decline_precision": _ratio(sum(not o.answerable for o in declined), len(declined)),
        "answered_level_share": _ratio(len(top), len(outcomes)),
        "answered_level_precision": _ratio(sum(o.answerable and o.correct for o in top), len(top)),
        "recall_at_1": _ratio(sum(o.first_chunk_holds for o in answerable), len(answerable)),
        "peer_recall_at_1": _ratio(sum(o.peer_first_holds for o in answerable), len(answerable)),
        "peer_unanswerable_declined": 0.0,
        "latency_p50_ms": round(float(np.percentile([o.latency_ms for o in outcomes], 50)), 1),
        "latency_p95_ms": round(float(np.percentile([o.latency_ms for o in outcomes], 95)), 1),
    }


def run(kb: KnowledgeBase, peer: PeerPipeline, questions: Sequence[Question]) -> list[Outcome]:
    outcomes = []
    for question in questions:
        started = time.perf_counter()
        answer = ask(question.text, knowledge=kb)
        latency = (time.perf_counter() - started) * 1000
        first = search(kb, question.text, 1).hits
        peer_first = peer.retrieve(question.text, 1)
        outcomes.append(Outcome(
            answerable=bool(question.answers),
            declined=answer.abstained,
            correct=not answer.abstained and holds_gold(answer.answer, question.answers),
            level=answer.support.level,
            first_chunk_holds=bool(first) and holds_gold(first[0].text, question.answers),
            peer_first_holds=bool(peer_first) and holds_gold(peer_first[0], question.answers),
            latency_ms=latency,
        ))
    return outcomes


def by_article(questions: Sequence[Question], outcomes: Sequence[Outcome]) -> dict[str, Any]:
    pairs = list(zip(questions, outcomes, strict=True))
    titles = sorted({q.article for q in questions})
    return {title: summarise([o for q, o in pairs if q.article == title]) for title in titles}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=WORK / "fit-answer")
    parser.add_argument("--out", type=Path, default=RESULTS / "answers.json")
    parser.add_argument("--limit", type=int, default=None, help="Questions per split (sample).")
    args = parser.parse_args(argv)
    kb = open_corpus(args.work)
    assert isinstance(kb.embeddings, MiniLMEmbeddings)
    peer = PeerPipeline(sorted((args.work / "knowledge").glob("*.txt")), kb.embeddings)
    held_out = set(load_spec(HELD_OUT_SPEC).articles)
    articles = load_articles(DATASET)
    report: dict[str, Any] = {"parameters": ask("warm-up", knowledge=kb).stamp.model_dump()}
    for split, chosen in (
        ("squad_held_out", [a for a in articles if a.title in held_out]),
        ("squad_training", [a for a in articles if a.title not in held_out]),
    ):
        questions = [q for a in chosen for q in a.questions][: args.limit]
        outcomes = run(kb, peer, questions)
        report[split] = {**summarise(outcomes), "by_article": by_article(questions, outcomes)}
        print(split, json.dumps({k: v for k, v in report[split].items() if k != "by_article"}))
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
