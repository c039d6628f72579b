"""An eval run: load fixtures, bring the knowledge base up to date, run, score, report, gate."""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.knowledge.ingest import IngestReport
from evals.cases import Case, FixtureError, fixture_files, load_cases
from evals.gate import (
    BASELINE_PATH,
    Baseline,
    GateResult,
    check,
    load_baseline,
    new_baseline,
    save_baseline,
)
from evals.metrics import summarise
from evals.report import RESULTS_DIR, build_report, history, save_run, write_html, write_json
from evals.runs import Progress, prepare_knowledge, run_cases
from evals.squad import load_spec, prepare


@dataclass
class EvalOptions:
    fixtures: list[Path] = field(default_factory=list)
    dataset: Path | None = None  # a dataset spec (evals/squad.py) instead of fixtures
    json_path: Path | None = None
    html_path: Path | None = None
    baseline_path: Path | None = None
    update_baseline: bool = False
    repeat: int = 1
    results_dir: Path | None = None  # default: evals/results/
    settings: Settings | None = None


@dataclass
class EvalOutcome:
    report: dict[str, Any]
    gate: GateResult
    ingest: IngestReport
    html_path: Path
    run_path: Path
    baseline_written: Path | None = None

    @property
    def exit_code(self) -> int:
        """A run that writes the baseline accepts what it found."""
        return 0 if self.baseline_written else self.gate.exit_code


def baseline_for(options: EvalOptions) -> tuple[Path | None, Baseline | None]:
    """The named baseline; else the bundled one, which only fits the bundled fixtures."""
    if options.baseline_path:
        if not options.baseline_path.exists() and options.update_baseline:
            return options.baseline_path, None
        return options.baseline_path, load_baseline(options.baseline_path)
    if options.dataset:
        path = options.dataset.with_suffix(".baseline.json")
        return path, load_baseline(path) if path.exists() else None
    if options.fixtures:
        if options.update_baseline:
            raise FixtureError(
                "With your own --fixtures, name the baseline to write with --baseline PATH."
            )
        return None, None
    return BASELINE_PATH, load_baseline(BASELINE_PATH) if BASELINE_PATH.exists() else None


OTHER_DOCUMENTS = (
    "the bundled fixtures ask about the bundled article, and most of the passages they cite are"
    " in no chunk retrieved from {knowledge_dir}: to gate your own documents, write fixtures"
    " about them (the format of evals/fixtures/*.yaml) and run `assistant eval --fixtures FILE"
    " --baseline FILE --update-baseline` once, or gate a SQuAD-format set with --dataset SPEC"
)


def _about_other_documents(summary: dict[str, Any]) -> bool:
    """Whether the fixtures' cited passages were mostly not retrieved (recall@k under 0.5)."""
    recall = summary.get("retrieval_recall_at_k")
    return recall is not None and recall < 0.5


def write_reports(report: dict[str, Any], options: EvalOptions) -> tuple[Path, Path]:
    """Keep the run for the trend, then write the JSON (if asked) and the HTML report."""
    results_dir = options.results_dir or RESULTS_DIR
    run_path = save_run(report, results_dir)
    if options.json_path:
        write_json(report, options.json_path)
    html_path = options.html_path or results_dir / "latest.html"
    write_html(report, html_path, history(results_dir))
    return run_path, html_path


def _cases_and_settings(options: EvalOptions, settings: Settings) -> tuple[list[Case], Settings]:
    """The fixtures' cases on the configured knowledge dir, or a dataset's cases on its own
    knowledge dir and collection (written under the data dir)."""
    if options.dataset is None:
        return load_cases(options.fixtures), settings
    if options.fixtures:
        raise FixtureError("Give either fixture files or a dataset spec, not both.")
    prepared = prepare(load_spec(options.dataset), options.dataset.stem, settings.data_dir)
    update = {"knowledge_dir": prepared.knowledge_dir, "collection": prepared.collection}
    return prepared.cases, settings.model_copy(update=update)


def evaluate(
    options: EvalOptions,
    ingest_progress: Progress | None = None,
    case_progress: Progress | None = None,
) -> EvalOutcome:
    """Run the suite; fixture and baseline files are checked before anything is ingested."""
    if options.repeat < 1:
        raise FixtureError(f"--repeat must be at least 1, not {options.repeat}.")
    settings = options.settings or Settings.model_validate({})
    cases, settings = _cases_and_settings(options, settings)
    baseline_path, baseline = baseline_for(options)
    started_at, clock = datetime.now(UTC).isoformat(timespec="seconds"), time.perf_counter()
    kb, ingest = prepare_knowledge(settings, ingest_progress)
    results, stamp = run_cases(cases, kb, repeat=options.repeat, progress=case_progress)
    summary = summarise(results)
    fingerprint = kb.fingerprint()
    gate = check(results, summary, fingerprint, stamp, baseline, baseline_path)
    if not (options.fixtures or options.dataset) and _about_other_documents(summary):
        gate.notes.append(OTHER_DOCUMENTS.format(knowledge_dir=settings.knowledge_dir))
    run = {
        "started_at": started_at,
        "duration_s": round(time.perf_counter() - clock, 1),
        "repeat": options.repeat,
        "k": settings.top_k,
        "fixtures": [str(options.dataset)] if options.dataset else [
            str(path) for path in fixture_files(options.fixtures)
        ],
        "knowledge_dir": str(settings.knowledge_dir),
        "corpus_fingerprint": fingerprint,
        "stamp": stamp.model_dump() if stamp else None,
    }
    report = build_report(run, summary, gate.model_dump(), [r.model_dump() for r in results])
    run_path, html_path = write_reports(report, options)
    outcome = EvalOutcome(report, gate, ingest, html_path, run_path)
    if options.update_baseline and baseline_path:
        save_baseline(new_baseline(results, summary, fingerprint, stamp, baseline), baseline_path)
        outcome.baseline_written = baseline_path
    return outcome
