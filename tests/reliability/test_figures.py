"""The README's table of what the reliability suite tries is the one rendered from the suite's
own case lists, and every test the table names exists."""

import ast
from pathlib import Path

from tests.reliability import cases

HERE = Path(__file__).resolve().parent
README = HERE.parents[1] / "README.md"


def defined_tests() -> set[str]:
    names: set[str] = set()
    for path in HERE.glob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    return names


def test_the_readme_table_is_the_suites() -> None:
    table = cases.figures_table()
    assert table in README.read_text(encoding="utf-8"), (
        "README's reliability table differs from the suite; paste this one:\n" + table
    )


def test_every_named_test_exists() -> None:
    named = {
        *cases.FAULTS.values(), *cases.LOAD.values(), *cases.SECRETS.values(),
        *cases.HOSTILE_OTHER.values(), *cases.UPLOADS.values(), *cases.PROCESSES.values(),
    }
    assert named - defined_tests() == set()


def test_the_table_counts_its_own_rows() -> None:
    for line in cases.figures_table().splitlines()[2:]:
        _, _, count, which = (cell.strip() for cell in line.strip("| ").split(" | "))
        assert int(count) == len(which.split("; ")), line
