"""Extractive summary methods compared on the bundled article and two SQuAD 2.0 dev articles.

    pip install sumy && python -m benchmarks.summary_methods [--squad PATH] [--articles N]

Every method picks from the same sentences (the chunker's, 40–500 characters). Scores:
coverage (mean over the document's sentences of the best cosine to a summary sentence, MiniLM:
favours embedding methods), term recall (share of the document's 20 highest TF·IDF stems that the
summary holds: favours lexical methods), answers (share of the article's answerable SQuAD
questions whose answer appears in the summary), sections or paragraphs spanned, and ms per
summary. sumy is not a dependency of the assistant; its methods are skipped without it.
"""

import argparse
import json
import math
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.summary import Pick, _sentences, lexrank, select, summary_length
from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.knowledge.lexical import split_terms
from assistant.search.question import key_terms

ROOT = Path(__file__).resolve().parent.parent
SQUAD = Path("/work/shared/datasets/squad2-dev/squad2-dev-6-articles.json")
Method = Callable[[list[Pick], np.ndarray, int], list[Pick]]


def _top(picks: list[Pick], scores: np.ndarray, n: int) -> list[Pick]:
    best = sorted(np.argsort(-scores)[:n].tolist())
    return [picks[i] for i in best]


def _lexrank_diverse(picks: list[Pick], vectors: np.ndarray, n: int) -> list[Pick]:
    return select(picks, vectors, lexrank(vectors @ vectors.T), n)


def _centroid_diverse(picks: list[Pick], vectors: np.ndarray, n: int) -> list[Pick]:
    return select(picks, vectors, vectors @ vectors.mean(axis=0), n)


def _lexrank_top(picks: list[Pick], vectors: np.ndarray, n: int) -> list[Pick]:
    return _top(picks, lexrank(vectors @ vectors.T), n)


def _lead(picks: list[Pick], vectors: np.ndarray, n: int) -> list[Pick]:
    return picks[:n]


def _sumy(kind: str) -> Method | None:
    try:
        from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
        from sumy.nlp.stemmers import Stemmer
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.summarizers.text_rank import TextRankSummarizer
        from sumy.utils import get_stop_words
    except ImportError:
        return None

    class Words:  # sumy's tokenizer interface; its own needs NLTK's punkt data (a download)
        language = "english"

        def to_words(self, text: str) -> list[str]:
            return split_terms(text)

    def method(picks: list[Pick], vectors: np.ndarray, n: int) -> list[Pick]:
        sentences = [Sentence(p.text, Words()) for p in picks]
        document = ObjectDocumentModel([Paragraph(sentences)])
        summarizer = (LexRankSummarizer if kind == "lexrank" else TextRankSummarizer)(
            Stemmer("english")
        )
        summarizer.stop_words = get_stop_words("english")
        chosen = {str(s) for s in summarizer(document, n)}
        return [p for p in picks if p.text in chosen][:n]

    return method


def _top_terms(text: str, others: list[str], k: int = 20) -> set[str]:
    counts = Counter(key_terms_all(text))
    documents = [set(key_terms_all(o)) for o in others]
    idf = {t: math.log((1 + len(documents)) / (1 + sum(t in d for d in documents))) for t in counts}
    return {t for t, _ in sorted(counts.items(), key=lambda kv: -kv[1] * (idf[kv[0]] + 1))[:k]}


def key_terms_all(text: str) -> list[str]:
    return [t for line in text.split(". ") for t in key_terms(line)]


def _score(
    summary: list[Pick], picks: list[Pick], vectors: np.ndarray, terms: set[str],
    answers: list[str],
) -> dict[str, float]:
    index = {(p.hit.chunk_id, p.span): i for i, p in enumerate(picks)}
    rows = [index[(p.hit.chunk_id, p.span)] for p in summary]
    coverage = float((vectors @ vectors[rows].T).max(axis=1).mean()) if rows else 0.0
    text = " ".join(p.text for p in summary)
    held = set(key_terms_all(text))
    found = sum(a.lower() in text.lower() for a in answers)
    return {
        "coverage": coverage,
        "term_recall": len(terms & held) / max(len(terms), 1),
        "answers": found / max(len(answers), 1),
        "spread": len({p.hit.section if p.hit.section != p.hit.title else p.hit.chunk_index
                       for p in summary}),
        "sentences": len(summary),
    }


def _corpus(squad: Path, articles: int, folder: Path) -> dict[str, list[str]]:
    """Write the bundled article and the first SQuAD articles; returns answers per source."""
    folder.mkdir(parents=True)
    (folder / "china-digital-trade.md").write_bytes(
        (ROOT / "knowledge" / "china-digital-trade.md").read_bytes()
    )
    answers: dict[str, list[str]] = {"china-digital-trade.md": []}
    for article in json.loads(squad.read_text(encoding="utf-8"))["data"][:articles]:
        name = f"{article['title'].lower()}.md"
        body = "\n\n".join(p["context"] for p in article["paragraphs"])
        (folder / name).write_text(f"# {article['title']}\n\n{body}\n", encoding="utf-8")
        answers[name] = sorted({
            a["text"] for p in article["paragraphs"] for qa in p["qas"]
            if not qa["is_impossible"] for a in qa["answers"][:1]
        })
    return answers


def run(squad: Path, articles: int) -> dict[str, Any]:
    methods: dict[str, Method | None] = {
        "lexrank-minilm+diversity (shipped)": _lexrank_diverse,
        "centroid-minilm+diversity": _centroid_diverse,
        "lexrank-minilm top-n": _lexrank_top,
        "sumy LexRank": _sumy("lexrank"),
        "sumy TextRank": _sumy("textrank"),
        "lead (first n)": _lead,
    }
    with tempfile.TemporaryDirectory() as tmp:
        answers = _corpus(squad, articles, Path(tmp) / "knowledge")
        folder = Path(tmp) / "knowledge"
        kb = KnowledgeBase(Settings(knowledge_dir=folder, data_dir=Path(tmp) / "data"))
        sync(kb)
        texts = {r.source: (Path(tmp) / "knowledge" / r.source).read_text(encoding="utf-8")
                 for r in kb.manifest().values()}
        results: dict[str, Any] = {}
        for source, record in sorted(kb.manifest().items()):
            picks, vectors = _sentences(kb, record)
            n = summary_length(len(picks))
            terms = _top_terms(texts[source], [t for s, t in texts.items() if s != source])
            for name, method in methods.items():
                if method is None:
                    continue
                started = time.perf_counter()
                summary = method(picks, vectors, n)
                took = (time.perf_counter() - started) * 1000
                scores = _score(summary, picks, vectors, terms, answers[source])
                results.setdefault(source, {})[name] = {**scores, "ms": round(took, 1)}
                results[source][name]["text"] = [p.text for p in summary]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--articles", type=int, default=2)
    args = parser.parse_args()
    results = run(args.squad, args.articles)
    for source, rows in results.items():
        print(f"\n{source}")
        for name, row in rows.items():
            print(
                f"  {name:36} coverage {row['coverage']:.3f} · terms {row['term_recall']:.2f} · "
                f"answers {row['answers']:.3f} · spread {row['spread']} of {row['sentences']} · "
                f"{row['ms']:.1f} ms"
            )


if __name__ == "__main__":
    main()
