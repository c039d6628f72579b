"""The answer step's fitted parameters: one versioned JSON file, read once per process.

``benchmarks/fit_answer.py`` writes it from public data (SQuAD 2.0 dev articles, never the
bundled fixtures) and records which articles it saw; ``ASSISTANT_ANSWER_PARAMETERS`` points at
another file fitted the same way on a team's own data. The answer stamp names its version.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ConfigurationError

PACKAGED = Path(__file__).resolve().parent.parent / "fitted" / "answer-step.json"


@dataclass(frozen=True)
class LinearModel:
    """A logistic regression over named features, with the standardisation it was fitted on."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def logit(self, rows: np.ndarray) -> np.ndarray:
        """Log-odds for each row (shape: rows × len(features))."""
        return ((rows - self.mean) / self.scale) @ self.weights + self.bias

    def probability(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(rows)))

    @classmethod
    def from_json(cls, raw: dict[str, Any], expected: tuple[str, ...]) -> "LinearModel":
        features = tuple(str(name) for name in raw["features"])
        if features != expected:
            raise ValueError(f"features {features} are not the ones computed, {expected}")
        return cls(
            features,
            np.asarray(raw["mean"], dtype=np.float32),
            np.asarray(raw["scale"], dtype=np.float32),
            np.asarray(raw["weights"], dtype=np.float32),
            float(raw["bias"]),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "bias": round(self.bias, 6),
        }


@dataclass(frozen=True)
class AnswerStepParameters:
    """The ranker (every unit), the aligned ranker (the leading units, with word alignment),
    the confidence model (one row per question) and the thresholds on its probability."""

    version: str
    ranker: LinearModel
    aligned_ranker: LinearModel
    confidence: LinearModel
    aligned_units: int
    follower_ratio: float
    decline_below: float
    answered_from: float


@cache
def load_parameters(path: Path | None = None) -> AnswerStepParameters:
    """Read and check a parameters file (the packaged one by default).

    Raises ``ConfigurationError`` naming the file when it is missing or does not fit the
    features this version computes."""
    from assistant.search.features import ALIGNED_FEATURES, CONFIDENCE_FEATURES, UNIT_FEATURES

    source = path or PACKAGED
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
        return AnswerStepParameters(
            version=str(raw["version"]),
            ranker=LinearModel.from_json(raw["ranker"], UNIT_FEATURES),
            aligned_ranker=LinearModel.from_json(
                raw["aligned_ranker"], UNIT_FEATURES + ALIGNED_FEATURES
            ),
            confidence=LinearModel.from_json(raw["confidence"], CONFIDENCE_FEATURES),
            aligned_units=int(raw["aligned_units"]),
            follower_ratio=float(raw["follower_ratio"]),
            decline_below=float(raw["decline_below"]),
            answered_from=float(raw["answered_from"]),
        )
    except OSError as exc:
        raise ConfigurationError(
            f"The answer step's parameters ({source}) cannot be read: {exc.strerror}."
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(
            f"The answer step's parameters ({source}) do not fit this version: {exc}. "
            "Fit them again with `python -m benchmarks.fit_answer`."
        ) from None
