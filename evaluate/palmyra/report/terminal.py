"""Plain-text tables for a terminal: one table per layer, then its signature.

The tables render the same object as the JSON output (Result.to_dict / Comparison.to_dict),
so the two never disagree. Scores are shown in percent with two decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.2f}"


def _ci(ci: Sequence[float] | None) -> str:
    return "-" if ci is None else f"[{100 * ci[0]:.2f}, {100 * ci[1]:.2f}]"


def _count(x: float | None) -> str:
    if x is None:
        return "-"
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"


def _ratio(entry: Mapping[str, Any], num: str, den: str) -> str:
    if num not in entry:
        return "-"
    return f"{_count(entry[num])}/{_count(entry[den])}"


def table(header: Sequence[str], rows: Sequence[Sequence[str] | None]) -> str:
    """Columns padded to their widest cell; the first column left-aligned, others right.
    A None row is a blank separator line."""
    cells = [header, *(r for r in rows if r is not None)]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(header))]

    def line(row: Sequence[str] | None) -> str:
        if row is None:
            return ""
        out = [str(c).ljust(w) if i == 0 else str(c).rjust(w)
               for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(out).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])


def _group(mode: str) -> tuple[bool, str, bool]:
    """Coreference rows are grouped by scope, mention kind and singleton policy, with a
    blank line between groups."""
    bare = mode.removeprefix("cross_")
    return bare != mode, bare.split("_", 1)[0], mode.endswith("_nosingletons")


def grouped(layer: str, modes: Mapping[str, Mapping[str, Any]],
            row: Callable[[str, Mapping[str, Any]], list[str]]) -> list[list[str] | None]:
    """One row per mode, made by `row(mode, entry)`; for coreference a None (blank line)
    between groups of modes (see `table`)."""
    rows: list[list[str] | None] = []
    previous = None
    for mode, entry in modes.items():
        if layer == "coreference":
            group = _group(mode)
            if previous is not None and group != previous:
                rows.append(None)
            previous = group
        rows.append(row(mode, entry))
    return rows


def score_row(mode: str, e: Mapping[str, Any]) -> list[str]:
    """The cells of one score row: mode, P, R, F1 (in %), 95% CI, P and R num/den,
    ignored."""
    return [mode, _pct(e["precision"]), _pct(e["recall"]), _pct(e["f1"]), _ci(e.get("ci95")),
            _ratio(e, "p_num", "p_den"), _ratio(e, "r_num", "r_den"), _count(e.get("ignored"))]


def _p(p: float | None, significant: bool) -> str:
    """A p-value as SacreBLEU prints it: '(p = 0.0010)*', the star when significant."""
    if p is None:
        return "-"
    return f"(p = {p:.4f})" + ("*" if significant else "")


def _comparison_row(mode: str, e: Mapping[str, Any]) -> list[str]:
    return [mode, _pct(e["a"]["f1"]), _ci(e["a"]["ci95"]), _pct(e["b"]["f1"]),
            _ci(e["b"]["ci95"]), f"{100 * e['difference']:+.2f}",
            _p(e["paired_bootstrap_p"], e["significant"]["paired_bootstrap"]),
            _p(e["randomization_p"], e["significant"]["randomization"])]


def render_result(data: Mapping[str, Any]) -> str:
    """The evaluation report from Result.to_dict()."""
    docs = data["documents"]
    out = [f"palmyra evaluate: {len(docs['scored'])} gold documents scored "
           f"(gold {data['gold']['version']}, sha256:{data['gold']['sha256'][:12]})"]
    if docs["missing_predictions"]:
        out.append("missing predictions, scored as empty: "
                   + ", ".join(docs["missing_predictions"]))
    if docs.get("not_in_gold"):
        out.append("predictions not scored (documents not in the gold): "
                   + ", ".join(docs["not_in_gold"]))
    header = ["mode", "P", "R", "F1", "95% CI", "P num/den", "R num/den", "ignored"]
    for layer, modes in data["layers"].items():
        out += ["", f"{layer} (scores in %)", table(header, grouped(layer, modes, score_row)),
                f"signature: {data['signatures'][layer]}"]
    for layer in data["not_predicted"]:
        out += ["", f"{layer}: not predicted (no prediction document has this layer); "
                "not scored"]
    if not data["layers"]:
        out += ["", "no layer scored"]
    out += ["", f"signature: {data['signature']}"]
    return "\n".join(out) + "\n"


def render_comparison(data: Mapping[str, Any]) -> str:
    """The comparison report from Comparison.to_dict(), p-values marked as SacreBLEU does:
    '(p = 0.0010)*' when below the significance level (policies.alpha, 0.05)."""
    systems = data["systems"]
    docs = data["documents"]
    out = [f"palmyra compare: A = {systems['a']}, B = {systems['b']}, "
           f"{len(docs['scored'])} gold documents "
           f"(gold {data['gold']['version']}, sha256:{data['gold']['sha256'][:12]})"]
    for side in ("a", "b"):
        missing = docs["missing_predictions"][side]
        if missing:
            out.append(f"{side.upper()}: missing predictions, scored as empty: "
                       + ", ".join(missing))
    policies = data["policies"]
    header = ["mode", "A F1", "A 95% CI", "B F1", "B 95% CI", "B - A",
              f"paired bootstrap ({policies['resamples']})",
              f"randomization ({policies['trials']})"]
    for layer, modes in data["layers"].items():
        out += ["", f"{layer} (F1 in %)", table(header, grouped(layer, modes, _comparison_row))]
    for layer in data["not_compared"]:
        out += ["", f"{layer}: not compared (not predicted by both systems)"]
    out += ["", f"* p < {policies['alpha']}", f"signature: {data['signature']}"]
    return "\n".join(out) + "\n"
