"""Settings refuse values that would silently mean something else."""

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from assistant.config import Settings
from assistant.interfaces.cli import app


@pytest.mark.parametrize("value", ["local", "multilingual", "openai:text-embedding-3-small"])
def test_the_documented_embedding_models_are_accepted(value: str) -> None:
    assert Settings(embedding_model=value).embedding_model == value


@pytest.mark.parametrize("value", ["bogus", "minilm", "Local", "openai-text-embedding-3-small"])
def test_an_unknown_embedding_model_is_refused_not_replaced_by_the_local_one(
    value: str,
) -> None:
    with pytest.raises(ValidationError, match="must be `local`, `multilingual` or `openai:"):
        Settings(embedding_model=value)


@pytest.mark.parametrize("variable", ["ASSISTANT_KNOWLEDGE_DIR", "ASSISTANT_DATA_DIR"])
@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_folder_setting_is_refused_not_read_as_the_current_directory(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match="is empty; name a folder"):
        Settings()


def test_the_cli_names_the_variable_before_opening_anything(tmp_path: Path) -> None:
    env = {"ASSISTANT_EMBEDDING_MODEL": "bogus", "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(app, ["ask", "Where is the gym?"], env=env)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: Invalid settings: ASSISTANT_EMBEDDING_MODEL: must be")
    assert not (tmp_path / "data").exists()
