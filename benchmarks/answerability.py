"""How far the shipped model's features can tell an answerable question from an unanswerable
one: the ceiling of offline abstention.

    python -m benchmarks.answerability   # about 2 minutes; writes results/answerability.json

Every question of the SQuAD 2.0 dev training articles (never the held-out ones the CI gate
samples) is paired with the sentence it was written against: the one holding its gold span or,
for an unanswerable question, the span its crowd worker marked as plausible. That is the best
case for the answer step, with retrieval and sentence choice taken as perfect. A logistic
regression over each feature set is fitted leave-one-article-out; the report gives the
out-of-fold ROC AUC and, at the shares of answerable questions declined that the targets allow,
the share of unanswerable questions declined.
"""

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.knowledge.embeddings import MiniLMEmbeddings
from assistant.search.question import analyse, stems_of
from assistant.text import sentence_spans
from benchmarks.fit_answer import DATASET, HELD_OUT_SPEC, RESULTS
from evals.squad import load_spec

FALSE_DECLINES = (0.05, 0.10)  # shares of answerable questions declined
REGULARISATION = 0.1


@dataclass(frozen=True)
class Pair:
    article: str
    question: str
    sentence: str
    answerable: bool


def pairs(dataset: Path, held_out: set[str]) -> list[Pair]:
    """Each training question with the sentence of its first gold (or plausible) span."""
    found = []
    for article in json.loads(dataset.read_text(encoding="utf-8"))["data"]:
        if article["title"] in held_out:
            continue
        for paragraph in article["paragraphs"]:
            context, spans = paragraph["context"], sentence_spans(paragraph["context"])
            for qa in paragraph["qas"]:
                marked = qa["answers"] or qa.get("plausible_answers") or []
                start = marked[0]["answer_start"] if marked else -1
                sentence = next((context[a:b] for a, b in spans if a <= start < b), None)
                if sentence is not None:
                    found.append(Pair(article["title"], qa["question"], sentence,
                                      not qa["is_impossible"]))
    return found


def alignment_row(embeddings: MiniLMEmbeddings, question: str, sentence: str) -> list[float]:
    """Over the question's key words, their closest word in the sentence (cosine of MiniLM's
    word vectors): mean, minimum and second lowest; the share of key words whose stem the
    sentence lacks, and the closeness of the worst of those (1 when none is missing)."""
    (words, question_vectors), (_, sentence_vectors) = embeddings.embed_tokens([question, sentence])
    terms = set(analyse(question).terms)
    keep = [i for i, word in enumerate(words) if word.isalpha() and stems_of(word) & terms]
    if not keep:
        return [1.0, 1.0, 1.0, 0.0, 1.0]
    closest = (question_vectors[keep] @ sentence_vectors.T).max(axis=1)
    present = stems_of(sentence)
    missing = [float(c) for i, c in zip(keep, closest, strict=True)
               if not stems_of(words[i]) & present]
    ordered = np.sort(closest)
    return [float(closest.mean()), float(ordered[0]), float(ordered[min(1, len(ordered) - 1)]),
            len(missing) / len(keep), min(missing, default=1.0)]


def feature_sets(embeddings: MiniLMEmbeddings, found: list[Pair]) -> dict[str, np.ndarray]:
    questions = embeddings.embed_array([p.question for p in found])
    sentences = embeddings.embed_array([p.sentence for p in found])
    similarity = (questions * sentences).sum(axis=1, keepdims=True)
    aligned = np.array([alignment_row(embeddings, p.question, p.sentence) for p in found])
    return {
        "sentence similarity": similarity,
        "word alignment": aligned,
        "similarity and word alignment": np.hstack([similarity, aligned]),
        "embedding interactions (u*v, |u-v|)": np.hstack(
            [questions * sentences, np.abs(questions - sentences)]),
    }


def out_of_fold(rows: np.ndarray, labels: np.ndarray, articles: np.ndarray) -> np.ndarray:
    """Leave-one-article-out probabilities of "answerable"."""
    from sklearn.linear_model import LogisticRegression

    probability = np.zeros(len(labels))
    for article in np.unique(articles):
        train, test = articles != article, articles == article
        mean, scale = rows[train].mean(axis=0), rows[train].std(axis=0) + 1e-6
        model = LogisticRegression(C=REGULARISATION, max_iter=5000)
        model.fit((rows[train] - mean) / scale, labels[train])
        probability[test] = model.predict_proba((rows[test] - mean) / scale)[:, 1]
    return probability


def operating_points(probability: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Unanswerable questions declined when the threshold declines the given share of
    answerable ones."""
    points = {}
    for share in FALSE_DECLINES:
        threshold = np.quantile(probability[labels], share)
        points[f"unanswerable_declined_at_{int(share * 100)}pct"] = round(
            float((probability[~labels] < threshold).mean()), 3)
    return points


def measure(found: list[Pair], sets: dict[str, np.ndarray],
            auc: Callable[[np.ndarray, np.ndarray], float]) -> dict[str, dict[str, float]]:
    labels = np.array([p.answerable for p in found])
    articles = np.array([p.article for p in found])
    report = {}
    for name, rows in sets.items():
        probability = out_of_fold(rows, labels, articles)
        report[name] = {"auc": round(auc(labels, probability), 3),
                        **operating_points(probability, labels)}
    return report


def main(argv: list[str] | None = None) -> None:
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--held-out", type=Path, default=HELD_OUT_SPEC)
    parser.add_argument("--out", type=Path, default=RESULTS / "answerability.json")
    args = parser.parse_args(argv)
    found = pairs(args.dataset, set(load_spec(args.held_out).articles))
    sets = feature_sets(MiniLMEmbeddings(), found)
    report = {
        "questions": len(found),
        "answerable": sum(p.answerable for p in found),
        "articles": sorted({p.article for p in found}),
        "feature_sets": measure(found, sets, lambda y, p: float(roc_auc_score(y, p))),
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
