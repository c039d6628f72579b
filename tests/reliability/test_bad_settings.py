"""A malformed model URL is a settings error that names the variable, before any work, and never
echoes the URL (it may carry credentials)."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.interfaces.cli import app
from tests.reliability.cases import MALFORMED_BASE_URLS


@pytest.mark.parametrize("url", MALFORMED_BASE_URLS)
def test_a_malformed_base_url_is_a_settings_error(url: str, tmp_path: Path) -> None:
    env = {"OPENAI_BASE_URL": url, "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(app, ["ask", "What share of GDP?"], env=env)
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert result.output.startswith("error: Invalid settings: OPENAI_BASE_URL: ")
    assert "hunter2" not in result.output and "models.example" not in result.output
    assert not (tmp_path / "data").exists(), "nothing was opened or ingested"
