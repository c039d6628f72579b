"""Every script in examples/ runs, offline, in a folder laid out as a user's project."""

import runpy
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
EXPECTED = {
    "ask_questions.py": [
        "1 document(s), 16 chunks",
        "42.8 percent of GDP in 2023",
        "[1] china-digital-trade.md, characters",
        "support: related (Related passage only)",
        "(asked as: What share of China's GDP was the digital economy in 2015?)",
        "declined - The sources do not answer this question.",
    ],
    "lcel_pipeline.py": [
        "165 cross-border e-commerce pilot zones",
        "- [1] china-digital-trade.md: “",
        "#1 china-digital-trade.md [",
        "related: More than 120,000",
        "declined: The sources do not answer this question.",
        "45 percent of the country’s total service trade by 2029",
        "citation(s), verified]",
    ],
    "agent_tool.py": [
        "ask_documents: Answers one question",
        "arguments: {'question':",
        "Chile in 2016",
        "Sources:\n[1] china-digital-trade.md",
        "artifact: Answer ['china-digital-trade.md']",
        "error: The question is empty",
    ],
}


def test_every_example_is_checked() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(
    name: str, synced_workspace: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(synced_workspace)
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    printed = capsys.readouterr().out
    for expected in EXPECTED[name]:
        assert expected in printed, f"{expected!r} not in:\n{printed}"
