"""The bundled eval in model mode, against any OpenAI-compatible endpoint (by default the local
SmolLM2-135M of ``benchmarks.local_model``), with what only a model answer has: citations,
figures the checks flagged, repair outcomes, the trust-first fallback and latency.

    python -m benchmarks.llm_mode                      # starts the local model, all 87 cases
    python -m benchmarks.llm_mode --limit 10           # the first 10 cases
    python -m benchmarks.llm_mode --url http://127.0.0.1:11434/v1 --model llama3.1

Writes ``benchmarks/results/llm.json``. Each case is scored as the eval scores it (the answer
shown), and the model's own text is scored too, shown or not.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.search.retrieve import search
from assistant.types import Answer
from benchmarks.measure import KNOWLEDGE, RESULTS, load_average, machine, percentiles, write_json
from evals.cases import Case, load_cases
from evals.scoring import score_run

QUESTION_BUDGET_S = 60.0


def model_text(answer: Answer) -> tuple[str, Answer] | None:
    """The model's own answer (shown, or kept as an unverified draft) as an Answer to score."""
    if answer.mode.startswith("llm:"):
        return "shown", answer
    draft = answer.model_draft
    if draft is None:
        return None
    as_shown = answer.model_copy(update={
        "answer": draft.text, "citations": draft.citations, "verification": draft.verification,
        "abstained": draft.verification.status == "abstained",
    })
    return "kept as a draft", as_shown


def repair_outcome(answer: Answer) -> str:
    model = model_text(answer)
    if model is None:
        return "no model answer"
    _, text = model
    if answer.model_draft is not None and answer.model_draft.cut_off:
        return "cut off (never repaired)"
    if not text.verification.repaired:
        return "not needed" if answer.mode.startswith("llm:") else "failed, not repaired"
    return "repaired and shown" if answer.mode.startswith("llm:") else "still failing after repair"


def run_case(case: Case, kb: KnowledgeBase) -> dict[str, Any]:
    from assistant.answer.core import ask

    started = time.perf_counter()
    answer = ask(case.question, history=case.history, knowledge=kb)
    seconds = time.perf_counter() - started
    passages = [hit.text for hit in search(kb, answer.standalone_question, kb.settings.top_k).hits]
    shown = score_run(case, answer, passages, seconds * 1000)
    model = model_text(answer)
    model_score = score_run(case, model[1], passages, seconds * 1000) if model else None
    verification = model[1].verification if model else None
    return {
        "id": case.id, "question": case.question, "seconds": round(seconds, 2),
        "shown_mode": answer.mode, "passed": shown.passed,
        "model_answer": model[0] if model else None,
        "model_passed": model_score.passed if model_score else None,
        "model_cited": bool(model and model[1].citations),
        "model_flagged_figures": verification.unsupported_numbers if verification else [],
        "trust_first_fallback": answer.model_draft is not None,
        "model_failed": answer.mode == "extractive" and answer.model_draft is None,
        "repair": repair_outcome(answer),
        "shown_unverified": answer.mode.startswith("llm:")
        and answer.verification.status not in ("verified", "abstained"),
        "notice": answer.notice, "answer": answer.answer,
        "model_text": model[1].answer if model else "",
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    answered = [r for r in rows if r["model_answer"]]

    def share(count: int, whole: int) -> float | None:
        return round(count / whole, 3) if whole else None

    outcomes: dict[str, int] = {}
    for row in rows:
        outcomes[row["repair"]] = outcomes.get(row["repair"], 0) + 1
    return {
        "cases": n,
        "pass_rate": share(sum(r["passed"] for r in rows), n),
        "model_answers": len(answered),
        "model_pass_rate": share(sum(bool(r["model_passed"]) for r in answered), len(answered)),
        "citation_rate": share(sum(r["model_cited"] for r in answered), len(answered)),
        "flagged_figure_rate": share(
            sum(bool(r["model_flagged_figures"]) for r in answered), len(answered)
        ),
        "shown_as_model_answer": sum(r["shown_mode"].startswith("llm:") for r in rows),
        "trust_first_fallbacks": sum(r["trust_first_fallback"] for r in rows),
        "model_failures": sum(r["model_failed"] for r in rows),
        "repair_outcomes": outcomes,
        "shown_unverified": sum(r["shown_unverified"] for r in rows),
        "over_budget": sum(r["seconds"] > QUESTION_BUDGET_S for r in rows),
        "latency": percentiles([r["seconds"] * 1000 for r in rows]),
        "max_s": max((r["seconds"] for r in rows), default=0.0),
    }


def run(url: str, model: str, limit: int | None, timeout: float, retries: int) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="llm-mode-"))
    settings = Settings(
        knowledge_dir=KNOWLEDGE, data_dir=data, openai_base_url=url, chat_model=model,
        llm_timeout=timeout, llm_max_retries=retries, llm_question_timeout=timeout,
    )
    kb = KnowledgeBase(settings)
    sync(kb)
    cases = load_cases()[:limit] if limit else load_cases()
    rows = []
    for number, case in enumerate(cases, start=1):
        rows.append(run_case(case, kb))
        print(f"{number}/{len(cases)} {rows[-1]['seconds']:.1f} s {rows[-1]['repair']}", flush=True)
    return {
        "machine": machine(), "endpoint": url, "model": model,
        "settings": {"llm_timeout": timeout, "llm_question_timeout": timeout,
                     "llm_max_retries": retries, "top_k": settings.top_k},
        "summary": summarise(rows), "cases": rows, "load_average_end": load_average(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.llm_mode", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="OpenAI-compatible base URL (default: start the local one)")
    parser.add_argument("--model", default="smollm2", help="model name on that server")
    parser.add_argument("--limit", type=int, help="only the first N cases")
    parser.add_argument(
        "--timeout", type=float, default=50.0,
        help="ASSISTANT_LLM_TIMEOUT and ASSISTANT_LLM_QUESTION_TIMEOUT: the model's seconds per "
        "question, 10 s under the 60 s budget for search and the quoted answer",
    )
    parser.add_argument("--retries", type=int, default=0, help="ASSISTANT_LLM_MAX_RETRIES")
    parser.add_argument("--out", type=Path, default=RESULTS / "llm.json")
    args = parser.parse_args(argv)
    if args.url:
        result = run(args.url, args.model, args.limit, args.timeout, args.retries)
    else:
        from benchmarks.local_model import install, local_model

        install()
        log = Path(os.environ.get("TMPDIR", "/tmp")) / "llm-mode-server.log"
        with local_model(log) as running:
            result = run(running.url, running.model, args.limit, args.timeout, args.retries)
            result["server"] = {"context": 2048, "threads": 1}
    write_json(args.out, result)
    print(result["summary"])


if __name__ == "__main__":
    main()
