"""The fixture format: YAML files whose top-level ``cases:`` list holds one mapping per case."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import AssistantError
from assistant.types import Turn

FIXTURES_DIR = Path(__file__).with_name("fixtures")


class FixtureError(AssistantError):
    """A fixture file is missing, not YAML, or holds a malformed case."""

    exit_code = 2


Expectation = str | list[str]


class Case(BaseModel):
    """One question with what its answer must contain and cite, or that it must abstain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    history: list[Turn] = Field(default_factory=list)
    expect: list[Expectation] = Field(default_factory=list)
    cite: list[str] = Field(default_factory=list)
    answerable: bool = True
    tags: list[str] = Field(default_factory=list)
    notes: str = Field("", description="Free text for the people keeping the fixture.")
    file: str = Field("", description="The fixture file, filled in by the loader.")

    @field_validator("expect")
    @classmethod
    def _no_empty_expectations(cls, expect: list[Expectation]) -> list[Expectation]:
        for entry in expect:
            alternatives = [entry] if isinstance(entry, str) else entry
            if not alternatives or not all(a.strip() for a in alternatives):
                raise ValueError("entries must be non-empty strings or lists of them")
        return expect

    @field_validator("cite")
    @classmethod
    def _no_empty_cites(cls, cite: list[str]) -> list[str]:
        if not all(c.strip() for c in cite):
            raise ValueError("entries must be non-empty strings")
        return cite

    @model_validator(mode="after")
    def _checks_something(self) -> "Case":
        if not self.answerable and (self.expect or self.cite):
            raise ValueError("an unanswerable case (answerable: false) takes no expect or cite")
        if self.answerable and not (self.expect or self.cite):
            raise ValueError("an answerable case needs expect or cite entries")
        return self


def fixture_files(paths: Sequence[Path]) -> list[Path]:
    """The YAML files named, folders expanded; the bundled fixtures when none are named."""
    files: list[Path] = []
    for path in paths or [FIXTURES_DIR]:
        if path.is_dir():
            found = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not found:
                raise FixtureError(f"{path}: the folder holds no .yaml fixture files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise FixtureError(f"{path}: no such fixture file or folder")
    return files


def load_cases(paths: Sequence[Path] = ()) -> list[Case]:
    """Every case of the fixture files, validated; ids must be unique across files."""
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for file in fixture_files(paths):
        for case in load_file(file):
            if case.id in seen:
                raise FixtureError(
                    f"{file}: case {case.id!r}: the id is also used in {seen[case.id]}"
                )
            seen[case.id] = str(file)
            cases.append(case)
    return cases


def load_file(file: Path) -> list[Case]:
    try:
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FixtureError(f"{file}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise FixtureError(f"{file}: not valid YAML: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
        raise FixtureError(f"{file}: expected a top-level `cases:` list")
    if not document["cases"]:
        raise FixtureError(f"{file}: the `cases:` list is empty")
    return [_case(file, number, raw) for number, raw in enumerate(document["cases"], start=1)]


def _case(file: Path, number: int, raw: Any) -> Case:
    if not isinstance(raw, dict):
        raise FixtureError(f"{file}: case #{number} is not a mapping")
    name = f"{raw['id']!r}" if raw.get("id") else f"#{number}"
    try:
        return Case.model_validate({**raw, "file": str(file)})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'case'}: {e['msg']}" for e in exc.errors()
        )
        raise FixtureError(f"{file}: case {name}: {problems}") from None
