"""Prompts live in ``prompts/*.md``; each is loaded once and checked for its variables.

A prompt file has YAML front matter with a ``version``, then ``<!-- system -->`` and/or
``<!-- user -->`` sections whose ``{variables}`` LangChain fills in (``{{`` for a literal brace).
The top-level ``prompts/`` folder is the source of truth; a wheel carries a copy inside the
package (``assistant/prompt_templates/``, written at build time by ``setup.py``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from assistant.errors import ConfigurationError

if TYPE_CHECKING:  # imported when a prompt is first loaded: offline answers never need one
    from langchain_core.prompts import ChatPromptTemplate

_PACKAGE = Path(__file__).resolve().parent.parent
SEARCH_PATH = (_PACKAGE / "prompt_templates", _PACKAGE.parent / "prompts")
_SECTION = re.compile(r"^<!--\s*(system|user)\s*-->\s*$", re.MULTILINE)
_ROLES = {"system": "system", "user": "human"}


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    template: ChatPromptTemplate


def prompt_path(name: str) -> Path:
    """The first ``<name>.md`` on the search path: the packaged copy, else ``prompts/``."""
    for folder in SEARCH_PATH:
        if (folder / f"{name}.md").is_file():
            return folder / f"{name}.md"
    raise ConfigurationError(
        f"The prompt file {name}.md is missing (looked in {', '.join(map(str, SEARCH_PATH))}); "
        "reinstall the package."
    )


def _split(path: Path, text: str) -> tuple[dict[str, object], list[tuple[str, str]]]:
    match = re.match(r"^---\n(.*?)\n---\n", text, re.DOTALL)
    front = yaml.safe_load(match.group(1)) if match else None
    if not isinstance(front, dict) or "version" not in front:
        raise ConfigurationError(f"{path} needs YAML front matter with a `version`.")
    body = text[match.end() :] if match else text
    parts = _SECTION.split(body)
    pairs = zip(parts[1::2], parts[2::2], strict=True)
    sections = [(_ROLES[role], content.strip()) for role, content in pairs]
    if not sections or parts[0].strip():
        raise ConfigurationError(
            f"{path}: put the text under `<!-- system -->` and/or `<!-- user -->` lines."
        )
    return front, sections


@cache
def load_prompt(name: str, variables: frozenset[str]) -> Prompt:
    """Load ``prompts/<name>.md``; refuse it unless it uses exactly ``variables``."""
    from langchain_core.prompts import ChatPromptTemplate

    path = prompt_path(name)
    text = path.read_text(encoding="utf-8")
    front, sections = _split(path, text)
    try:
        template = ChatPromptTemplate.from_messages(sections, template_format="f-string")
    except ValueError as exc:
        raise ConfigurationError(f"{path} is not a valid template: {exc}") from None
    found = set(template.input_variables)
    if found != variables:
        unknown = ", ".join(sorted(found - variables)) or "none"
        missing = ", ".join(sorted(variables - found)) or "none"
        raise ConfigurationError(
            f"{path} does not fit the code: unknown variables {unknown}; missing {missing}. "
            "Use {{ and }} for literal braces."
        )
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return Prompt(name, f"{name}/{front['version']}@{digest}", template)
