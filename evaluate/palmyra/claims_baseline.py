"""The claims task's baseline: group the numbers of the documents by value, unit and kind.

`baseline_claims(gold_docs)` reads only the numbers layer of the given annotation documents
(no extractor, no text): numbers of the same kind, unit and point value (`value`; else the
stated bound `low` or `high`; for dates the `timex`) form one claim, across documents. The
relation compares the versions as the guidelines do (Part 5, rule 8.3), over pairs from
different documents: one document -> single_source; the same qualifier, value, bounds and
increment everywhere -> agree; intervals that cannot meet -> conflict; otherwise compatible.

What it cannot do, by design: join different values of one proposition ("64" and "more than
60" airstrikes), tell apart equal values of different propositions ("first" time, "first"
admission), and group anything that is not a number (events, states).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from itertools import combinations

from palmyra.annotations import AnnotationDocument, Number
from palmyra.claims import (
    Claim,
    ClaimMention,
    ClaimsDocument,
    chain_hedged,
    source_chain,
)

ANNOTATOR = "baseline:numbers-by-value"
APPROXIMATE = 0.10  # "about 50" reads as 50 +/- 10% (guidelines Part 5, rule 8.3)

Interval = tuple[float, float]


def point(n: Number) -> float | str | None:
    """What the baseline groups on: a date's timex, else the value, else the stated bound."""
    if n.kind == "date":
        return n.timex
    for x in (n.value, n.low, n.high):
        if x is not None:
            return float(x)
    return None


def interval(n: Number) -> Interval | None:
    """The values a number allows (None for a number without one, e.g. a date)."""
    q = n.qualifier or "exact"
    if q in ("exact", "approximate") and n.value is not None:
        v = float(n.value)
        spread = abs(v) * APPROXIMATE if q == "approximate" else 0.0
        return (v - spread, v + spread)
    low = float(n.low) if n.low is not None else -math.inf
    high = float(n.high) if n.high is not None else math.inf
    if low == -math.inf and high == math.inf:
        return None
    return (low, high)


def number_relation(a: Number, b: Number) -> str:
    """agree, compatible or conflict for two numbers of the same kind and unit."""
    if (a.qualifier, a.value, a.low, a.high, bool(a.increment), a.timex) == \
            (b.qualifier, b.value, b.low, b.high, bool(b.increment), b.timex):
        return "agree"
    ia, ib = interval(a), interval(b)
    if ia is not None and ib is not None and (ia[1] < ib[0] or ib[1] < ia[0]):
        return "conflict"
    if ia is None and ib is None and a.timex and b.timex and not (
            a.timex.startswith(b.timex) or b.timex.startswith(a.timex)):
        return "conflict"  # dates at their coarser precision differ
    return "compatible"


_STRENGTH = {"agree": 0, "compatible": 1, "conflict": 2}


def group_relation(members: list[tuple[str, Number]]) -> str:
    """The strongest relation over pairs from different documents (rule 8.2)."""
    if len({doc_id for doc_id, _ in members}) < 2:
        return "single_source"
    found = [number_relation(a, b) for (da, a), (db, b) in combinations(members, 2) if da != db]
    return max(found, key=_STRENGTH.__getitem__)


def _slug(*parts: object) -> str:
    text = "-".join(str(p) for p in parts if p not in (None, ""))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "number"


def _shown(x: float | str) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def _mention(doc: AnnotationDocument, n: Number) -> ClaimMention:
    chain = source_chain(doc, "numbers", n.id or "", n.span)
    counted = f" {n.counted.text}" if n.counted is not None else ""
    return ClaimMention(doc.doc_id, "numbers", n.id or "", n.span, chain,
                        chain_hedged(doc, chain), f"{n.span.text}{counted}")


def baseline_claims(gold_docs: Mapping[str, AnnotationDocument]) -> ClaimsDocument:
    """A predicted claims document: the numbers of `gold_docs` grouped by (kind, unit, point
    value), claims ordered by their first mention."""
    by_key: dict[tuple, list[tuple[str, Number]]] = {}
    for doc_id in sorted(gold_docs):
        for n in sorted(gold_docs[doc_id].layer("numbers"), key=lambda n: n.span.start):
            p = point(n)
            if n.id is None or p is None:
                continue  # nothing to group on, or nothing a mention could name
            by_key.setdefault((n.kind, n.unit or "", p), []).append((doc_id, n))
    claims = []
    for number, ((kind, unit, p), members) in enumerate(by_key.items(), start=1):
        mentions = tuple(_mention(gold_docs[d], n) for d, n in members)
        what = f"{kind} {_shown(p)}{' ' + unit if unit else ''}"
        claims.append(Claim(group_relation(members), mentions, f"c{number}",
                            _slug(kind, _shown(p), unit), f"Which {kind} is {_shown(p)}?",
                            f"A {what}."))
    return ClaimsDocument(tuple(claims), "prediction", ANNOTATOR,
                          "Numbers grouped by kind, unit and value (palmyra.claims_baseline).")


__all__ = ["ANNOTATOR", "baseline_claims", "group_relation", "interval", "number_relation",
           "point"]
