"""An answer's support in words, the same in every interface that prints it as one line."""

from assistant.types import Answer

CAVEATS = {"related": "check the quote before relying on it"}


def support_summary(answer: Answer) -> list[str]:
    """The support label (with its caveat), then what the checks found, as short phrases:
    ``["Answers the question", "2/2 sentences match their cited passages"]``."""
    support = answer.support
    caveat = CAVEATS.get(support.level)
    parts = [f"{support.label}: {caveat}" if caveat else support.label]
    checks = answer.verification.sentences
    if checks:
        matched = sum(check.supported for check in checks)
        parts.append(f"{matched}/{len(checks)} sentences match their cited passages")
    missing = len(answer.verification.unsupported_numbers)
    if missing:
        parts.append(f"{missing} figure{'s' if missing > 1 else ''} not found in the sources")
    return parts
