"""Human-readable explanation of a Verdict, for the CLI and logs."""

from __future__ import annotations

from salama.detect.verdict import CATEGORIES, Verdict

__all__ = ["format_verdict"]


def format_verdict(text: str, verdict: Verdict) -> str:
    """A few lines: the text, the outcome, scores over a floor, the evidence, the signals."""
    shown = text if len(text) <= 120 else text[:117] + "..."
    flagged = verdict.categories
    outcome = "FLAGGED: " + ", ".join(flagged) if flagged else "ok"
    lang = verdict.language + ("/" + verdict.script if verdict.script != "none" else "")
    if verdict.code_switching:
        lang += " (code-switching)"
    lines = [f"{shown}", f"  -> {outcome}   [{lang}]"]
    scored = [
        f"{c} {verdict.scores[c]:.2f}" + ("*" if c in flagged else "")
        for c in CATEGORIES
        if verdict.scores.get(c, 0.0) >= 0.05
    ]
    if scored:
        lines.append("  scores: " + ", ".join(scored))
    for span in verdict.spans:
        lines.append(
            f"  [{span.start}:{span.end}] {span.text!r} {span.category}"
            f" (severity {span.severity}, {span.view} view) <- {span.rule}"
        )
    if verdict.signals:
        lines.append("  signals: " + ", ".join(verdict.signals))
    if verdict.truncated:
        lines.append("  note: text was cut to the maximum length before checking")
    return "\n".join(lines)
