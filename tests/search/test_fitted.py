import json
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ConfigurationError
from assistant.search.features import CONFIDENCE_FEATURES, UNIT_FEATURES
from assistant.search.fitted import PACKAGED, LinearModel, load_parameters


def test_the_packaged_parameters_fit_the_features_this_version_computes() -> None:
    params = load_parameters()
    assert params.version.startswith("answer-step/")
    assert params.ranker.features == UNIT_FEATURES
    assert params.confidence.features == CONFIDENCE_FEATURES
    assert 0.0 <= params.decline_below < params.answered_from <= 1.0
    raw = json.loads(PACKAGED.read_text())
    assert "Warsaw" not in raw["fitted_on"] and "French_and_Indian_War" not in raw["fitted_on"]


def test_a_model_standardises_then_weighs() -> None:
    model = LinearModel(("a", "b"), np.array([1.0, 0.0]), np.array([2.0, 1.0]),
                        np.array([1.0, -1.0]), 0.5)
    assert model.logit(np.array([[3.0, 1.0]])).tolist() == [0.5]
    assert model.probability(np.array([[1.0, 0.0]]))[0] == pytest.approx(1 / (1 + np.exp(-0.5)))


def test_a_file_fitted_for_other_features_is_refused_by_name(tmp_path: Path) -> None:
    raw = json.loads(PACKAGED.read_text())
    raw["ranker"]["features"] = ["similarity"]
    stale = tmp_path / "old.json"
    stale.write_text(json.dumps(raw))
    with pytest.raises(ConfigurationError, match=r"do not fit this version.*fit_answer"):
        load_parameters(stale)
    with pytest.raises(ConfigurationError, match="cannot be read"):
        load_parameters(tmp_path / "missing.json")
