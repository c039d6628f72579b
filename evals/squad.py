"""SQuAD-format JSON as a knowledge dir and eval cases, so any team can gate on a public set.

One document per article (its paragraphs joined by blank lines, the title as the first line);
one case per question: an answerable question expects any of its gold spans in the answer, an
unanswerable one expects the assistant to decline. A dataset spec (YAML) names the file, the
articles and a seeded sample, so a gate always runs the same cases.
"""

import hashlib
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evals.cases import Case, FixtureError

DATASETS_DIR = Path(__file__).with_name("datasets")


@dataclass(frozen=True)
class Question:
    """One crowd-written question; ``answers`` are the distinct gold spans (empty: unanswerable)."""

    id: str
    text: str
    answers: tuple[str, ...]
    article: str


@dataclass(frozen=True)
class Article:
    title: str
    paragraphs: tuple[str, ...]
    questions: tuple[Question, ...]

    @property
    def document_name(self) -> str:
        return re.sub(r"[^\w-]+", "_", self.title) + ".txt"

    @property
    def document_text(self) -> str:
        return "\n\n".join([self.title.replace("_", " "), *self.paragraphs]) + "\n"


class DatasetSpec(BaseModel):
    """What a dataset gate runs: which file, which articles, how many questions, which seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: Path = Field(description="SQuAD-format JSON, relative to the spec's folder.")
    articles: list[str] = Field(default_factory=list, description="Titles; empty means all.")
    sample: int | None = Field(None, ge=1, description="Questions drawn at random; None: all.")
    seed: int = Field(0, description="Seed of the sample, so the gate runs the same cases.")


def _distinct(spans: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s["text"].strip() for s in spans if s.get("text", "").strip()))


def _question(raw: dict[str, Any], article: str) -> Question:
    answers = () if raw.get("is_impossible") else _distinct(raw.get("answers", []))
    return Question(id=str(raw["id"]), text=str(raw["question"]).strip(), answers=answers,
                    article=article)


def load_articles(path: Path, titles: list[str] | None = None) -> list[Article]:
    """The articles of a SQuAD-format file (``data[].title``, ``paragraphs[].context``,
    ``qas[]``), all of them or those named; raises ``FixtureError`` on a malformed file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
        articles = [
            Article(
                title=str(raw["title"]),
                paragraphs=tuple(p["context"].strip() for p in raw["paragraphs"]),
                questions=tuple(
                    _question(q, str(raw["title"])) for p in raw["paragraphs"] for q in p["qas"]
                ),
            )
            for raw in data
        ]
    except OSError as exc:
        raise FixtureError(f"{path}: cannot be read: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise FixtureError(f"{path}: not SQuAD-format JSON ({type(exc).__name__}: {exc})") from None
    if titles:
        unknown = sorted(set(titles) - {a.title for a in articles})
        if unknown:
            raise FixtureError(f"{path}: no article titled {', '.join(unknown)}")
        articles = [a for a in articles if a.title in titles]
    return articles


def write_knowledge(articles: list[Article], target: Path) -> list[Path]:
    """One text document per article in ``target`` (created); other files there are removed."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for article in articles:
        path = target / article.document_name
        if not path.exists() or path.read_text(encoding="utf-8") != article.document_text:
            path.write_text(article.document_text, encoding="utf-8")
        written.append(path)
    for stale in set(target.iterdir()) - set(written):
        stale.unlink()
    return written


def to_case(question: Question) -> Case:
    tags = ["squad", question.article, "answerable" if question.answers else "unanswerable"]
    if not question.answers:
        return Case(id=question.id, question=question.text, answerable=False, tags=tags)
    return Case(id=question.id, question=question.text, expect=[list(question.answers)], tags=tags)


def sample_questions(articles: list[Article], size: int | None, seed: int) -> list[Question]:
    """A seeded random sample (natural share of unanswerables), in the file's order."""
    questions = [q for article in articles for q in article.questions]
    if size is None or size >= len(questions):
        return questions
    chosen = set(random.Random(seed).sample(range(len(questions)), size))
    return [q for i, q in enumerate(questions) if i in chosen]


def load_spec(path: Path) -> DatasetSpec:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = DatasetSpec.model_validate(raw)
    except OSError as exc:
        raise FixtureError(f"{path}: cannot be read: {exc.strerror}") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise FixtureError(f"{path}: not a dataset spec: {exc}") from None
    return spec.model_copy(update={"file": (path.parent / spec.file).resolve()})


@dataclass(frozen=True)
class PreparedDataset:
    """A dataset turned into what an eval run needs."""

    name: str
    knowledge_dir: Path
    cases: list[Case]
    collection: str


def prepare(spec: DatasetSpec, name: str, workspace: Path) -> PreparedDataset:
    """Write the spec's articles as a knowledge dir under ``workspace`` and draw its cases."""
    articles = load_articles(spec.file, spec.articles or None)
    key = hashlib.sha1(
        json.dumps([spec.file.name, sorted(a.title for a in articles)]).encode()
    ).hexdigest()[:10]
    knowledge_dir = workspace / "datasets" / f"{name}-{key}"
    write_knowledge(articles, knowledge_dir)
    cases = [to_case(q) for q in sample_questions(articles, spec.sample, spec.seed)]
    return PreparedDataset(name, knowledge_dir, cases, f"dataset-{key}")
