"""Supply chain: the model files are the ones tested, the dependencies are bounded both ways,
the bounds admit what is installed and tested, and nothing is imported that is not declared."""

import ast
import json
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from assistant.errors import ModelFileError
from assistant.knowledge import embeddings
from assistant.knowledge.embeddings import MiniLMEmbeddings, tokenizer_path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
TESTED = [*PYPROJECT["dependencies"], *PYPROJECT["optional-dependencies"]["test"]]
ALL = [
    *PYPROJECT["dependencies"], *(r for extra in PYPROJECT["optional-dependencies"].values()
                                  for r in extra)
]


@pytest.mark.parametrize("line", ALL)
def test_every_dependency_has_a_lower_bound_and_an_upper_cap(line: str) -> None:
    operators = {spec.operator for spec in Requirement(line).specifier}
    pinned = "==" in operators or "~=" in operators
    assert pinned or operators & {">=", ">"}, f"{line}: no lower bound"
    assert pinned or operators & {"<", "<="}, f"{line}: no upper cap"


@pytest.mark.parametrize("line", TESTED)
def test_the_installed_and_tested_version_is_inside_the_bounds(line: str) -> None:
    requirement = Requirement(line)
    try:
        installed = version(requirement.name)
    except PackageNotFoundError:
        pytest.fail(f"{requirement.name} is declared but not installed: the bounds are untested")
    assert requirement.specifier.contains(installed, prereleases=True), (
        f"{requirement.name} {installed} is installed and tested, but {line} excludes it"
    )


def _imported_top_levels(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"assistant", "evals"}


def test_every_package_the_code_imports_is_a_declared_dependency() -> None:
    declared = {canonicalize_name(Requirement(line).name) for line in PYPROJECT["dependencies"]}
    distributions = packages_distributions()
    imported = _imported_top_levels(ROOT / "assistant") | _imported_top_levels(ROOT / "evals")
    undeclared = {
        module: distributions.get(module) for module in imported
        if not {canonicalize_name(d) for d in distributions.get(module, [module])} & declared
    }
    assert undeclared == {}


def test_a_swapped_tokenizer_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A valid tokenizer file with one token remapped: it would load, but it is not the one."""
    tokenizer = json.loads(tokenizer_path().read_text(encoding="utf-8"))
    vocab = tokenizer["model"]["vocab"]
    vocab["china"], vocab["banana"] = vocab["banana"], vocab["china"]
    swapped = tmp_path / "tokenizer.json"
    swapped.write_text(json.dumps(tokenizer), encoding="utf-8")
    monkeypatch.setattr(embeddings, "tokenizer_path", lambda: swapped)
    with pytest.raises(ModelFileError, match="sha256") as raised:
        MiniLMEmbeddings().embed_query("What share of GDP?")
    assert str(swapped) in str(raised.value)
