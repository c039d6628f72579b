"""Fit the answer step's parameters on public data, with held-out validation.

    python -m benchmarks.fit_answer [--work DIR] [--out assistant/fitted/answer-step.json]
        [--dataset SQUAD_JSON --held-out SPEC]   # your own data: use a --work of its own

Data: the SQuAD 2.0 dev articles in ``evals/datasets/`` (crowd-written questions, half
unanswerable). The articles the CI gate samples (``evals/datasets/squad2-heldout.yaml``) are
never read here; the other four are the training articles. Every question is asked against the
whole six-article corpus, as a user would.

1. For every training question, every unit of the re-ranker's pool gets its features
   (``assistant.search.features``) and a label: does it hold a gold span?
2. Rankers: a logistic regression over all units, and one over the leading units with word
   alignment; leave-one-article-out (LOAO) figures say how often the top unit holds the answer.
3. Confidence: each training article is answered by the real answer step with rankers fitted
   on the other three; the best unit's confidence features get the label "the answer shown
   holds a gold span". A logistic regression is fitted on them; the decline and "answered"
   thresholds are chosen on its out-of-fold probabilities.
The script writes the parameters file and a report (``benchmarks/results/fit_answer.json``).
"""

import argparse
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.extractive import assess, compose, with_followers
from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.search.features import ALIGNED_FEATURES, CONFIDENCE_FEATURES, UNIT_FEATURES
from assistant.search.fitted import PACKAGED, LinearModel
from assistant.search.question import analyse
from assistant.search.rerank import alignments, unit_candidates
from assistant.search.retrieve import fused_pool, search
from evals.scoring import contains
from evals.squad import DATASETS_DIR, Question, load_articles, load_spec, write_knowledge

ROOT = Path(__file__).resolve().parent.parent
DATASET = DATASETS_DIR / "squad2-dev-6-articles.json"
HELD_OUT_SPEC = DATASETS_DIR / "squad2-heldout.yaml"
RESULTS = ROOT / "benchmarks" / "results"


@dataclass
class UnitData:
    """Every unit of every question's pool: feature rows, alignments, labels, owners."""

    rows: np.ndarray  # units × UNIT_FEATURES
    aligned: np.ndarray  # units × ALIGNED_FEATURES
    labels: np.ndarray  # units, 1 = holds a gold span
    question: np.ndarray  # units, index into the question list


def holds_gold(text: str, answers: tuple[str, ...]) -> bool:
    return any(contains(text, answer) for answer in answers)


def open_corpus(work: Path, dataset: Path = DATASET) -> KnowledgeBase:
    """Every article of the dataset, ingested once into ``work`` (later runs embed nothing)."""
    knowledge = work / "knowledge"
    write_knowledge(load_articles(dataset), knowledge)
    kb = KnowledgeBase(Settings(knowledge_dir=knowledge, data_dir=work / "data"))
    sync(kb)
    return kb


def collect_units(kb: KnowledgeBase, questions: list[Question]) -> UnitData:
    rows, aligned, labels, owner = [], [], [], []
    for index, question in enumerate(questions):
        vector = np.asarray(kb.embeddings.embed_query(question.text), dtype=np.float32)
        needs = analyse(question.text)
        hits = fused_pool(kb, question.text, vector, kb.settings.top_k)
        units = unit_candidates(kb, hits, vector, question.text, needs)
        if not units:
            continue
        pairs = alignments(kb.embeddings, question.text, needs, units)
        rows.append(np.stack([u.features for u in units]))
        aligned.append(pairs if pairs is not None else np.full((len(units), 2), np.nan))
        labels.append([holds_gold(u.text, question.answers) for u in units])
        owner.append(np.full(len(units), index))
    return UnitData(
        np.concatenate(rows), np.concatenate(aligned).astype(np.float32),
        np.concatenate(labels).astype(np.int8), np.concatenate(owner),
    )


def training_questions(
    dataset: Path = DATASET, held_out_spec: Path | None = HELD_OUT_SPEC
) -> tuple[list[Question], list[str]]:
    """The questions of every article the held-out spec does not sample."""
    held_out = set(load_spec(held_out_spec).articles) if held_out_spec else set()
    articles = [a for a in load_articles(dataset) if a.title not in held_out]
    return [q for a in articles for q in a.questions], [a.title for a in articles]


ALIGNED_UNITS = 4
REGULARISATION = 1.0
FOLLOWER_RATIOS = (1.01, 0.5, 0.3, 0.2, 0.1)
MAX_FALSE_DECLINES = 0.05  # of answerable training questions (out of fold)
ANSWERED_PRECISION = 0.97  # out-of-fold precision the top support level must reach
MIN_ANSWERED = 20
# Accuracy an added quoted unit that does not answer must buy (a reader's cost of reading it).
SENTENCE_COST = 0.05


def fit_logistic(rows: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> LinearModel:
    """A standardised L2 logistic regression (scikit-learn), as a ``LinearModel``."""
    from sklearn.linear_model import LogisticRegression

    mean = rows.mean(axis=0)
    scale = np.where(rows.std(axis=0) > 1e-6, rows.std(axis=0), 1.0)
    model = LogisticRegression(C=REGULARISATION, max_iter=5000)
    model.fit((rows - mean) / scale, labels)
    return LinearModel(names, mean, scale, model.coef_[0], float(model.intercept_[0]))


def fit_listwise(
    rows: np.ndarray, labels: np.ndarray, groups: np.ndarray, names: tuple[str, ...]
) -> LinearModel:
    """A listwise ranker: a linear score whose softmax over each question's units puts the
    probability on the units that hold the answer (the conditional logit likelihood, with an L2
    penalty), fitted with SciPy's L-BFGS. statsmodels' ConditionalLogit fits the same model but
    took over eight minutes per fit here; this takes seconds."""
    from scipy.optimize import minimize
    from scipy.special import logsumexp

    mean = rows.mean(axis=0)
    scale = np.where(rows.std(axis=0) > 1e-6, rows.std(axis=0), 1.0)
    standard = (rows - mean) / scale
    lists = [
        (standard[members], labels[members] == 1)
        for members in (np.flatnonzero(groups == g) for g in np.unique(groups))
        if labels[members].any()
    ]

    def loss(weights: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = 0.5 * weights @ weights / REGULARISATION, weights / REGULARISATION
        for features, gold in lists:
            scores = features @ weights
            everyone, right = logsumexp(scores), logsumexp(scores[gold])
            value -= right - everyone
            gradient = gradient - (
                features[gold].T @ np.exp(scores[gold] - right)
                - features.T @ np.exp(scores - everyone)
            )
        return float(value), gradient

    fitted = minimize(loss, np.zeros(rows.shape[1]), jac=True, method="L-BFGS-B")
    return LinearModel(names, mean, scale, fitted.x, 0.0)


def fit_rankers(units: UnitData, questions: np.ndarray) -> tuple[LinearModel, LinearModel]:
    """The listwise ranker over every unit of the given (answerable) questions, then the
    aligned ranker over each question's leading units by that ranker, as at answer time."""
    mask = np.isin(units.question, questions)
    ranker = fit_listwise(units.rows[mask], units.labels[mask], units.question[mask],
                          UNIT_FEATURES)
    scores = ranker.logit(units.rows)
    leading = np.concatenate([
        np.flatnonzero(units.question == q)[np.argsort(-scores[units.question == q])][
            :ALIGNED_UNITS]
        for q in questions
    ])
    leading = leading[~np.isnan(units.aligned[leading]).any(axis=1)]
    rows = np.hstack([units.rows[leading], units.aligned[leading]])
    aligned = fit_listwise(rows, units.labels[leading], units.question[leading],
                           UNIT_FEATURES + ALIGNED_FEATURES)
    return ranker, aligned


def top_unit_accuracy(
    units: UnitData, questions: np.ndarray, ranker: LinearModel, aligned: LinearModel
) -> dict[str, float]:
    """How often the top unit holds a gold span: by the ranker alone and after re-scoring the
    leading units with word alignment."""
    first, second, pooled = [], [], []
    scores = ranker.logit(units.rows)
    for q in questions:
        own = np.flatnonzero(units.question == q)
        if not len(own):
            first += [0]
            second += [0]
            pooled += [0]
            continue
        order = own[np.argsort(-scores[own])]
        lead = order[:ALIGNED_UNITS]
        rescored = aligned.logit(np.hstack([units.rows[lead], np.nan_to_num(units.aligned[lead])]))
        first.append(units.labels[order[0]])
        second.append(units.labels[lead[int(np.argmax(rescored))]])
        pooled.append(units.labels[own].max())
    return {
        "ranker": round(float(np.mean(first)), 4),
        "aligned": round(float(np.mean(second)), 4),
        "pool_oracle": round(float(np.mean(pooled)), 4),
    }


@dataclass
class Answered:
    """One question answered by the real answer step with fold parameters."""

    article: str
    answerable: bool
    declined_by_rule: bool
    row: np.ndarray | None = None
    correct: dict[float, bool] = field(default_factory=dict)  # follower ratio -> holds gold
    noise: dict[float, int] = field(default_factory=dict)  # ratio -> quoted units without gold


def write_parameters(path: Path, params: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")


def parameters_json(
    ranker: LinearModel, aligned: LinearModel, confidence: LinearModel | None,
    thresholds: dict[str, float], extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    neutral = LinearModel(
        CONFIDENCE_FEATURES, np.zeros(len(CONFIDENCE_FEATURES)),
        np.ones(len(CONFIDENCE_FEATURES)), np.zeros(len(CONFIDENCE_FEATURES)), 0.0,
    )
    body = {
        "ranker": ranker.to_json(),
        "aligned_ranker": aligned.to_json(),
        "confidence": (confidence or neutral).to_json(),
        "aligned_units": ALIGNED_UNITS,
        **thresholds,
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:8]
    return {"version": f"answer-step/{digest}", **body, **(extra or {})}


def answer_with(kb: KnowledgeBase, questions: list[Question], params: Path) -> list[Answered]:
    """Answer each question with the given parameters file; record the confidence features
    and, for each follower ratio, whether the answer shown holds a gold span."""
    kb.settings = kb.settings.model_copy(update={"answer_parameters": params})
    limit = kb.settings.max_answer_chars
    found: list[Answered] = []
    for question in questions:
        retrieval = search(kb, question.text, kb.settings.top_k)
        result = assess(kb, retrieval)
        record = Answered(question.article, bool(question.answers), result.decline is not None)
        if result.best is not None and result.decline is None:
            record.row = result.row
            for ratio in FOLLOWER_RATIOS:
                chosen = with_followers(
                    result.best, result.eligible, retrieval.needs.terms, limit, ratio
                )
                record.correct[ratio] = holds_gold(compose(chosen).text, question.answers)
                record.noise[ratio] = sum(
                    not holds_gold(unit.text, question.answers) for unit in chosen[1:]
                )
        found.append(record)
    return found


def choose_ratio(answered: list[Answered]) -> float:
    """The follower ratio with the best accuracy on answerable questions once each added unit
    that holds no gold span costs SENTENCE_COST: quoting more always finds more gold spans, and
    a reader pays for every sentence that does not answer."""
    scored = [a for a in answered if a.answerable and a.correct]

    def value(ratio: float) -> float:
        accuracy = np.mean([a.correct[ratio] for a in scored])
        extra = np.mean([a.noise[ratio] for a in scored])
        return float(accuracy - SENTENCE_COST * extra)

    return max(FOLLOWER_RATIOS, key=value)


def out_of_fold(answered: list[Answered], ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """Leave-one-article-out confidence for every question that reached the model (NaN for
    rule declines), and the labels."""
    labels = np.array([bool(a.correct.get(ratio)) for a in answered])
    probability = np.full(len(answered), np.nan)
    reached = np.array([a.row is not None for a in answered])
    articles = np.array([a.article for a in answered])
    for article in sorted(set(articles)):
        train, test = reached & (articles != article), reached & (articles == article)
        rows = np.stack([a.row for a in np.array(answered, dtype=object)[train]])
        model = fit_logistic(rows, labels[train], CONFIDENCE_FEATURES)
        test_rows = np.stack([a.row for a in np.array(answered, dtype=object)[test]])
        probability[test] = model.probability(test_rows)
    return probability, labels


def rates(answered: list[Answered], probability: np.ndarray, labels: np.ndarray,
          decline_below: float, answered_from: float) -> dict[str, float]:
    answerable = np.array([a.answerable for a in answered])
    declined = np.array([a.declined_by_rule for a in answered]) | (
        np.nan_to_num(probability, nan=-1.0) < decline_below
    )
    top = ~declined & (probability >= answered_from)
    return {
        "answerable_correct": round(float((labels & ~declined)[answerable].mean()), 4),
        "answerable_declined": round(float(declined[answerable].mean()), 4),
        "unanswerable_declined": round(float(declined[~answerable].mean()), 4),
        "answered_level_precision": round(float(labels[top].mean()) if top.any() else 0.0, 4),
        "answered_level_share": round(float(top.mean()), 4),
    }


def choose_thresholds(
    answered: list[Answered], probability: np.ndarray, labels: np.ndarray
) -> tuple[float, float]:
    """Decline below the threshold that declines most unanswerable questions while declining
    at most MAX_FALSE_DECLINES of answerable ones. "Answered" from the lowest probability whose
    answers (at least MIN_ANSWERED of them) are right ANSWERED_PRECISION of the time out of
    fold; 1.0 (never) when no probability is."""
    grid = np.round(np.arange(0.0, 1.0, 0.005), 3)
    allowed = [
        t for t in grid
        if rates(answered, probability, labels, t, 1.0)["answerable_declined"]
        <= MAX_FALSE_DECLINES
    ]
    decline_below = float(max(allowed, default=0.0))
    reached = ~np.isnan(probability)
    for t in grid:
        top = reached & (probability >= max(t, decline_below))
        if top.sum() >= MIN_ANSWERED and labels[top].mean() >= ANSWERED_PRECISION:
            return decline_below, float(t)
    return decline_below, 1.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=RESULTS / "tmp" / "fit-answer")
    parser.add_argument("--out", type=Path, default=PACKAGED)
    parser.add_argument("--report", type=Path, default=RESULTS / "fit_answer.json")
    parser.add_argument("--reuse", action="store_true", help="Reuse the units collected before.")
    parser.add_argument("--dataset", type=Path, default=DATASET,
                        help="A SQuAD-format JSON file (at least two articles).")
    parser.add_argument("--held-out", type=Path, default=HELD_OUT_SPEC,
                        help="An eval dataset spec whose articles are left out of the fit.")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    kb = open_corpus(args.work, args.dataset)
    questions, titles = training_questions(args.dataset, args.held_out)
    cache = args.work / "units.npz"
    if args.reuse and cache.exists():
        units = UnitData(**dict(np.load(cache)))
    else:
        units = collect_units(kb, questions)
        np.savez(cache, **units.__dict__)
    print(f"{len(units.labels)} units of {len(questions)} questions from {titles}")
    report, answered = fit_folds(kb, units, questions, titles, args.work)
    np.savez(
        args.work / "answers.npz",
        rows=np.stack([a.row if a.row is not None else np.full(len(CONFIDENCE_FEATURES), np.nan)
                       for a in answered]),
        correct=np.array([[a.correct.get(r, False) for r in FOLLOWER_RATIOS] for a in answered]),
        answerable=np.array([a.answerable for a in answered]),
        rule=np.array([a.declined_by_rule for a in answered]),
        article=np.array([a.article for a in answered]),
    )
    ratio = choose_ratio(answered)
    probability, labels = out_of_fold(answered, ratio)
    decline_below, answered_from = choose_thresholds(answered, probability, labels)
    report["out_of_fold"] = rates(answered, probability, labels, decline_below, answered_from)
    everyone = np.array([i for i, q in enumerate(questions) if q.answers])
    ranker, aligned = fit_rankers(units, everyone)
    reached = [(a.row, a.correct[ratio]) for a in answered if a.row is not None]
    confidence = fit_logistic(
        np.stack([row for row, _ in reached]), np.array([label for _, label in reached]),
        CONFIDENCE_FEATURES,
    )
    thresholds = {"follower_ratio": ratio, "decline_below": decline_below,
                  "answered_from": answered_from}
    params = parameters_json(ranker, aligned, confidence, thresholds,
                             {"fitted_on": titles, "data": args.dataset.name})
    write_parameters(args.out, params)
    report.update(version=params["version"], thresholds=thresholds,
                  seconds=round(time.perf_counter() - started))
    args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


def fit_folds(
    kb: KnowledgeBase, units: UnitData, questions: list[Question], titles: list[str],
    work: Path,
) -> tuple[dict[str, Any], list[Answered]]:
    """Per training article: rankers fitted on the other articles, their top-unit accuracy on
    it, and its questions answered with them."""
    article_of = np.array([q.article for q in questions])
    answerable = np.array([bool(q.answers) for q in questions])
    report: dict[str, Any] = {"leave_one_article_out": {}}
    answered: list[Answered] = []
    for title in titles:
        train = np.flatnonzero((article_of != title) & answerable)
        test = np.flatnonzero((article_of == title) & answerable)
        ranker, aligned = fit_rankers(units, train)
        report["leave_one_article_out"][title] = top_unit_accuracy(units, test, ranker, aligned)
        fold = work / f"fold-{title}.json"
        write_parameters(fold, parameters_json(ranker, aligned, None, {
            "follower_ratio": 1.01, "decline_below": 0.0, "answered_from": 1.01}))
        answered += answer_with(kb, [q for q in questions if q.article == title], fold)
    return report, answered


if __name__ == "__main__":
    main()
