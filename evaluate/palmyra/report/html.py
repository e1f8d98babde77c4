"""The HTML report of an evaluation: one self-contained file (docs/report.md).

The page holds the signature, the score tables of every layer (the rows of the terminal
report) and, per document, the text with the gold and predicted items of the entity, event
(trigger), number and attribution (cue, source, content) layers: gold items are underlined,
predicted items highlighted, and each is marked matched, missed (false negative), false
positive, ignored (starts in page furniture) or not scored (layer not predicted).

The marks use one simple rule, stated on the page: a predicted item is a true positive when a
gold item of the same layer has the same span and the same label (entity type, event type,
number kind, attribution part), one-to-one. That is the harness's exact-span mode for
entities (`strict`) and triggers (`trigger_classification`); for numbers and attributions the
harness also has modes that look at other fields or at token sets, so the marks are a reading
aid and the tables are the scores.

Safety: every string that comes from the input (texts, labels, notes, ids) is escaped with
html.escape(quote=True) before it reaches the markup; the data the filter script needs is a
JSON block with `<`, `>`, `&`, U+2028 and U+2029 escaped, read with JSON.parse(textContent);
the script only toggles classes and writes textContent. A Content-Security-Policy allows
nothing but the page's own style and script (by hash): no network, no injected script.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from palmyra.annotations import AnnotationDocument, Attribution, Event, Number, Span, write_atomic
from palmyra.corpus import Document, Zone
from palmyra.report.terminal import grouped, score_row
from palmyra.scoring._common import kept_predictions

if TYPE_CHECKING:
    from palmyra.evaluation import Result

LAYERS = ("entities", "events", "numbers", "attributions")
SIDES = ("gold", "pred")
# tp: matched; fn: gold item missed; fp: false positive; ign: prediction starting in page
# furniture (ignored by the scorers); un: layer not scored (not predicted, or not in the gold).
STATUSES = ("tp", "fn", "fp", "ign", "un")
STATUS_WORDS = {"tp": "matched", "fn": "missed (false negative)", "fp": "false positive",
                "ign": "ignored (starts in page furniture)", "un": "not scored"}
_LAYER_CLASS = {"entities": "ent", "events": "evt", "numbers": "num", "attributions": "att"}
_MAX_LANE = 3  # gold underlines are drawn on at most four levels below the text


@dataclass(slots=True)
class Item:
    """One span to mark: a mention, a trigger, a number, or a part of an attribution."""

    layer: str
    label: str
    start: int
    end: int
    tip: str  # what the tooltip says about the item itself
    anchor: int  # the offset the zone policy looks at (see docs/scoring.md, Zone policy)
    side: str = "gold"
    status: str = "tp"
    lane: int = 0  # gold only: the level of its underline


# --- items ------------------------------------------------------------------------------------

def _quote(text: str, limit: int = 50) -> str:
    flat = " ".join(text.split())
    return f"\u201c{flat if len(flat) <= limit else flat[:limit - 1] + chr(0x2026)}\u201d"


def _join(*parts: object) -> str:
    return " \u00b7 ".join(str(p) for p in parts if p is not None and p != "")


def _num(x: float | None) -> str | None:
    if x is None or isinstance(x, bool):
        return None
    return str(int(x)) if float(x).is_integer() else repr(x)


def _entity_items(doc: AnnotationDocument) -> list[Item]:
    return [Item("entities", str(e.type), e.span.start, e.span.end,
                 _join(f"entity {e.type}", e.level, e.role and f"role {e.role}",
                       e.cluster and f"cluster {e.cluster}", e.id, _quote(e.span.text),
                       e.note and f"note: {e.note}"), e.span.start)
            for e in doc.layer("entities")]


def _arguments(event: Event, doc: AnnotationDocument) -> str | None:
    mentions = doc.mentions_by_id()
    out = []
    for arg in event.arguments:
        if arg.span is not None:
            filler = _quote(arg.span.text, 40)
        elif arg.mention in mentions:
            filler = _quote(mentions[arg.mention].span.text, 40)
        else:
            filler = str(arg.mention)
        out.append(f"{arg.role} {filler}")
    return "arguments: " + "; ".join(out) if out else None


def _event_items(doc: AnnotationDocument) -> list[Item]:
    return [Item("events", str(e.type), e.trigger.start, e.trigger.end,
                 _join(f"event {e.type}", e.realis, e.cluster and f"cluster {e.cluster}", e.id,
                       _quote(e.trigger.text), _arguments(e, doc),
                       e.time and f"time {e.time.value}", e.note and f"note: {e.note}"),
                 e.trigger.start)
            for e in doc.layer("events")]


def _number_tip(n: Number) -> str:
    bounds = None
    if n.low is not None or n.high is not None:
        bounds = f"bounds [{_num(n.low) or ''}, {_num(n.high) or ''}]"
    return _join(f"number {n.kind}", _num(n.value) and f"value {_num(n.value)}", bounds,
                 n.qualifier, n.unit and f"unit {n.unit}", n.timex and f"timex {n.timex}",
                 n.counted and f"counted {_quote(n.counted.text, 40)}",
                 n.increment and "increment", n.id, _quote(n.span.text),
                 n.note and f"note: {n.note}")


def _number_items(doc: AnnotationDocument) -> list[Item]:
    return [Item("numbers", str(n.kind), n.span.start, n.span.end, _number_tip(n),
                 n.span.start) for n in doc.layer("numbers")]


def _attribution_items(doc: AnnotationDocument) -> list[Item]:
    out = []
    for a in doc.layer("attributions"):
        # The scorers place an attribution at its first cue span (content when no cue).
        anchor = min((s.start for s in a.cue or a.content), default=0)
        parts: list[tuple[str, Span]] = [("cue", s) for s in a.cue]
        parts += [("source", a.source.span)] if a.source is not None else []
        parts += [("content", s) for s in a.content]
        for part, span in parts:
            tip = _join(f"attribution {part}", a.type, a.id, _source(a),
                        a.parent and f"parent {a.parent}", a.hedged and "hedged",
                        _quote(span.text), a.note and f"note: {a.note}")
            out.append(Item("attributions", part, span.start, span.end, tip, anchor))
    return out


def _source(a: Attribution) -> str | None:
    if a.source is not None:
        return f"source {_quote(a.source.span.text, 40)}"
    if a.implicit_source is not None:
        return f"implicit source {a.implicit_source}"
    return None


_EXTRACT = {"entities": _entity_items, "events": _event_items, "numbers": _number_items,
            "attributions": _attribution_items}


def items(doc: AnnotationDocument | None, side: str) -> list[Item]:
    """The items of one document's layers, in canonical order (offsets, layer, label, tip),
    so that the marks never depend on the order of the input lists."""
    if doc is None:
        return []
    out = [x for layer in LAYERS for x in _EXTRACT[layer](doc)]
    for x in out:
        x.side = side
    return sorted(out, key=_order)


def _order(x: Item) -> tuple:
    return (x.start, x.end, LAYERS.index(x.layer), x.label, x.tip)


def classify(gold: list[Item], pred: list[Item], doc: Document, scored: Iterable[str]) -> None:
    """Set each item's status. A kept prediction is a true positive when a gold item of the
    same layer has the same span and label (one-to-one, in canonical order); predictions that
    start in page furniture are ignored, as the scorers ignore them; layers not in `scored`
    are not scored."""
    scored = set(scored)
    kept = {id(x) for x in kept_predictions(doc, pred, start=lambda x: x.anchor)}
    available = Counter(_key(g) for g in gold if g.layer in scored)
    matched: Counter = Counter()
    for p in pred:
        key = _key(p)
        if p.layer not in scored:
            p.status = "un"
        elif id(p) not in kept:
            p.status = "ign"
        elif available[key] > 0:
            available[key] -= 1
            matched[key] += 1
            p.status = "tp"
        else:
            p.status = "fp"
    for g in gold:
        key = _key(g)
        if g.layer not in scored:
            g.status = "un"
        elif matched[key] > 0:
            matched[key] -= 1
            g.status = "tp"
        else:
            g.status = "fn"


def _key(x: Item) -> tuple[str, int, int, str]:
    return (x.layer, x.start, x.end, x.label)


def assign_lanes(gold: Sequence[Item]) -> None:
    """Give overlapping gold items different underline levels, inner (shorter) items nearest
    the text, so that nested spans stay readable; an item keeps its level along its span."""
    lanes: list[list[tuple[int, int]]] = []
    for x in sorted(gold, key=lambda x: (x.end - x.start, x.start, x.end)):
        for lane, taken in enumerate(lanes):
            if all(x.end <= s or e <= x.start for s, e in taken):
                taken.append((x.start, x.end))
                x.lane = lane
                break
        else:
            lanes.append([(x.start, x.end)])
            x.lane = len(lanes) - 1


# --- segments ---------------------------------------------------------------------------------

Segment = tuple[int, int, tuple[int, ...]]


def segments(length: int, spans: Sequence[tuple[int, int]], cuts: Iterable[int] = ()
             ) -> list[Segment]:
    """Split [0, length) into sorted, non-overlapping segments at every span boundary and
    every cut; each segment lists the indices of the spans that cover it. Spans are clipped
    to the text; empty ones cover nothing."""
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    points = {0, length}
    for i, (s, e) in enumerate(spans):
        s, e = max(0, s), min(length, e)
        if s < e:
            starts.setdefault(s, []).append(i)
            ends.setdefault(e, []).append(i)
            points.update((s, e))
    points.update(c for c in cuts if 0 < c < length)
    ordered = sorted(points)
    active: set[int] = set()
    out: list[Segment] = []
    for a, b in pairwise(ordered):
        active.difference_update(ends.get(a, ()))
        active.update(starts.get(a, ()))
        out.append((a, b, tuple(sorted(active))))
    return out


# --- markup -----------------------------------------------------------------------------------

def esc(text: object) -> str:
    """Text or attribute value, escaped (quotes too). Carriage returns become a character
    reference: the HTML parser would otherwise turn them into line feeds."""
    return html.escape(str(text), quote=True).replace("\r", "&#13;")


def json_block(data: Any) -> str:
    """JSON safe inside a <script type="application/json"> element: `<`, `>` and `&` never
    appear raw (no `</script>`, no `<!--`), nor U+2028/U+2029."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


@cache
def _asset(name: str) -> str:
    """A package data file (assets/report.css, assets/report.js), inlined in every page."""
    text = resources.files("palmyra.report").joinpath("assets", name).read_text(encoding="utf-8")
    if "</" in text:  # it would end its <style>/<script> element early
        raise ValueError(f"palmyra/report/assets/{name}: contains '</'")
    return text


def _csp_hash(text: str) -> str:
    """A CSP source that allows exactly this inline style or script."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _item_class(x: Item) -> str:
    lane = f" l{min(x.lane, _MAX_LANE)}" if x.side == "gold" else ""
    return f"it {x.side[0]} {x.status} {_LAYER_CLASS[x.layer]}{lane}"


def _segment_html(text: str, covering: Sequence[tuple[int, Item]]) -> str:
    """A segment's text inside one element per covering item, outer spans outside. The
    tooltip (built on hover from the JSON data, so that a long span's description is stored
    once, not once per segment) lists the items the segment's elements name."""
    if not covering:
        return esc(text)
    nested = sorted(covering, key=lambda c: (-(c[1].end - c[1].start), SIDES.index(c[1].side),
                                             c[0]))
    opening = "".join(f'<span class="{_item_class(x)}" data-i="{i}">' for i, x in nested)
    return f'{opening}{esc(text)}{"</span>" * len(nested)}'


def _zone_index(doc: Document) -> tuple[list[int], list[Zone]]:
    zones = sorted(doc.zones, key=lambda z: z.start)
    return [z.start for z in zones], zones


def render_text(doc: Document, marks: Sequence[Item], first: int = 0) -> str:
    """The document text as markup: zones as spans (page furniture greyed), marks split into
    segments. `first` is the index of marks[0] in the report's item list (data-i)."""
    text = doc.text
    starts, zones = _zone_index(doc)
    cuts = [b for z in zones for b in (z.start, z.end)]
    segs = segments(len(text), [(x.start, x.end) for x in marks], cuts)
    out: list[str] = []
    open_zone = None
    for a, b, covering in segs:
        k = bisect_right(starts, a) - 1
        zone = zones[k] if k >= 0 and a < zones[k].end else None
        if zone is not open_zone:
            if open_zone is not None:
                out.append("</span>")
            if zone is not None:
                kind = "article" if zone.type in _annotated_zones() else "furniture"
                out.append(f'<span class="zone {kind}" data-zone="{esc(zone.type)}">')
            open_zone = zone
        out.append(_segment_html(text[a:b], [(first + i, marks[i]) for i in covering]))
    if open_zone is not None:
        out.append("</span>")
    return "".join(out)


@cache
def _annotated_zones() -> frozenset[str]:
    from palmyra.ontology import load_ontology

    return load_ontology().annotated_zones


# --- the page ---------------------------------------------------------------------------------

_HEADER = ("mode", "P", "R", "F1", "95% CI", "P num/den", "R num/den", "ignored")


def _score_table(layer: str, modes: Mapping[str, Any]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in _HEADER)
    rows = []
    for row in grouped(layer, modes, score_row):
        if row is None:
            rows.append(f'<tr class="sep"><td colspan="{len(_HEADER)}"></td></tr>')
        else:
            rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
    return (f'<table class="scores"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _by_type_table(mode: str, entry: Mapping[str, Any]) -> str:
    by_type = entry.get("by_type") or {}
    if not by_type:
        return ""
    head = "".join(f"<th>{h}</th>" for h in ("type", "P", "R", "F1", "P num/den", "R num/den"))
    rows = []
    for label, e in sorted(by_type.items()):
        row = score_row(label, e)  # the terminal's cells: no interval per type
        rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row[:4] + row[5:7])
                    + "</tr>")
    return (f"<details><summary>per type ({esc(mode)})</summary>"
            f'<table class="scores"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            "</tbody></table></details>")


def _scores_section(data: Mapping[str, Any]) -> str:
    out = ['<section id="scores"><h2>Scores</h2>']
    for layer, modes in data["layers"].items():
        out.append(f'<h3 id="layer-{esc(layer)}">{esc(layer)} <small>(scores in %)</small></h3>')
        out.append(_score_table(layer, modes))
        out.append(f'<p class="sig">signature: <code>{esc(data["signatures"][layer])}</code></p>')
        if modes:
            first = next(iter(modes))
            out.append(_by_type_table(first, modes[first]))
    for layer in data["not_predicted"]:
        out.append(f"<p>{esc(layer)}: not predicted (no prediction document has this layer); "
                   "not scored</p>")
    if not data["layers"]:
        out.append("<p>no layer scored</p>")
    out.append("</section>")
    return "".join(out)


def _header(data: Mapping[str, Any]) -> str:
    docs = data["documents"]
    lines = [f"{len(docs['scored'])} gold documents scored; gold {esc(data['gold']['version'])}, "
             f"sha256 <code>{esc(data['gold']['sha256'])}</code>"]
    if docs["missing_predictions"]:
        lines.append("missing predictions, scored as empty: "
                     + esc(", ".join(docs["missing_predictions"])))
    if docs.get("not_in_gold"):
        lines.append("predictions not scored (documents not in the gold): "
                     + esc(", ".join(docs["not_in_gold"])))
    lines.append(f'signature: <code class="sig">{esc(data["signature"])}</code>')
    return "".join(f"<p>{line}</p>" for line in lines)


def _doc_summary(marks: Sequence[Item], scored: set[str]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("layer", "gold", "matched", "missed", "predicted",
                                             "false positives", "ignored"))
    rows = []
    for layer in LAYERS:
        n = Counter((x.side, x.status) for x in marks if x.layer == layer)
        gold = sum(v for (side, _), v in n.items() if side == "gold")
        pred = sum(v for (side, _), v in n.items() if side == "pred")
        name = "attribution spans" if layer == "attributions" else layer
        if layer not in scored:
            cells = [name, gold, "-", "-", pred, "-", "-"]
        else:
            cells = [name, gold, n["gold", "tp"], n["gold", "fn"], pred, n["pred", "fp"],
                     n["pred", "ign"]]
        rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    return (f'<table class="summary"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _doc_title(doc: Document) -> str:
    meta = doc.metadata or {}
    outlet = meta.get("outlet") if isinstance(meta.get("outlet"), dict) else {}
    parts = [x for x in (meta.get("headline"), outlet.get("name")) if isinstance(x, str)]
    return esc(" \u2014 ".join(parts))


_LEGEND = (
    '<div class="legend">'
    '<span><span class="it g tp ent l0">gold, matched</span></span> '
    '<span><span class="it g fn ent l0">gold, missed</span></span> '
    '<span><span class="it p tp ent">predicted, matched</span></span> '
    '<span><span class="it p fp ent">false positive</span></span> '
    '<span><span class="it p ign ent">ignored (page furniture)</span></span> '
    '<span><span class="it g un ent l0">not scored</span></span> '
    '<span><span class="zone furniture" data-zone="boilerplate">page furniture</span></span>'
    '</div><p class="rule">Gold underlines:'
    " entities solid, event triggers double, numbers dashed, "
    "attributions dotted. Hover over a span for its type, level, cluster, value. "
    "A prediction is matched when a gold item of the same layer has the same span and the "
    "same label (entity type, event type, number kind, attribution part), one-to-one; "
    "the scores above are the harness's, mode by mode.</p>")


def _controls(labels: Sequence[str], by_layer: Mapping[str, Sequence[int]]) -> str:
    layers = "".join(f'<label><input type="checkbox" data-layer="{k}" checked> {esc(layer)}'
                     "</label>" for k, layer in enumerate(LAYERS))
    groups = []
    for k, layer in enumerate(LAYERS):
        boxes = "".join(f'<label><input type="checkbox" data-layer="{k}" data-label="{j}" '
                        f"checked> {esc(labels[j])}</label>" for j in by_layer.get(layer, ()))
        if boxes:
            groups.append(f'<span class="types" data-layer="{k}"><b>{esc(layer)}:</b> '
                          f"{boxes}</span>")
    statuses = "".join(f'<label><input type="checkbox" data-status="{k}" checked> '
                       f"{esc(STATUS_WORDS[s])}</label>" for k, s in enumerate(STATUSES))
    return ('<form id="controls" hidden><div><b>Layers:</b> ' + layers + "</div>"
            "<div><b>Types:</b> " + " ".join(groups) + "</div>"
            "<div><b>Show:</b> " + statuses + "</div>"
            '<div><output id="shown"></output></div></form>')


def _scored_layers(gold_docs: Mapping[str, AnnotationDocument],
                   pred_docs: Mapping[str, AnnotationDocument]) -> set[str]:
    """The annotation layers the harness scores: the gold has them and some prediction does
    (a document without the layer is then scored as empty in it)."""
    return {layer for layer in LAYERS
            if any(getattr(d, layer) is not None for d in gold_docs.values())
            and any(getattr(d, layer) is not None for d in pred_docs.values())}


def _documents_section(gold_docs: Mapping[str, AnnotationDocument],
                       pred_docs: Mapping[str, AnnotationDocument],
                       corpus: Mapping[str, Document]) -> tuple[str, list[Item]]:
    scored = _scored_layers(gold_docs, pred_docs)
    everything: list[Item] = []
    articles = []
    for doc_id in sorted(gold_docs):
        doc = corpus[doc_id]
        gold = items(gold_docs[doc_id], "gold")
        pred = items(pred_docs.get(doc_id), "pred")
        classify(gold, pred, doc, scored)
        assign_lanes(gold)
        marks = gold + pred
        note = ("" if doc_id in pred_docs else
                '<p class="note">no prediction for this document: scored as empty</p>')
        articles.append(
            f'<article class="doc" id="doc-{esc(doc_id)}"><h3>{esc(doc_id)} '
            f"<small>{_doc_title(doc)}</small></h3>{note}{_doc_summary(marks, scored)}"
            f'<div class="text">{render_text(doc, marks, len(everything))}</div></article>')
        everything += marks
    return "".join(articles), everything


def render(result: Result, gold_docs: Mapping[str, AnnotationDocument],
           pred_docs: Mapping[str, AnnotationDocument], corpus: Mapping[str, Document]) -> str:
    """The report as one HTML page (a str). `result` is a palmyra.evaluation.Result."""
    data = result.to_dict(by_doc=False)
    documents, marks = _documents_section(gold_docs, pred_docs, corpus)
    labels = sorted({x.label for x in marks})
    label_index = {label: j for j, label in enumerate(labels)}
    by_layer = {layer: sorted({label_index[x.label] for x in marks if x.layer == layer},
                              key=lambda j: labels[j]) for layer in LAYERS}
    payload = {"layers": list(LAYERS), "labels": labels, "statuses": list(STATUSES),
               "items": [[LAYERS.index(x.layer), label_index[x.label], SIDES.index(x.side),
                          STATUSES.index(x.status)] for x in marks],
               "tips": [x.tip for x in marks]}
    style, script = _asset("report.css"), _asset("report.js")
    csp = (f"default-src 'none'; style-src {_csp_hash(style)}; "
           f"script-src {_csp_hash(script)}; base-uri 'none'; form-action 'none'")
    toc = " ".join(f'<a href="#doc-{esc(d)}">{esc(d)}</a>' for d in sorted(gold_docs))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>palmyra evaluation report</title>"
        f"<style>{style}</style></head>\n"
        '<body data-active=""><header><h1>palmyra evaluation report</h1>'
        f"{_header(data)}<nav>documents: {toc}</nav></header>\n"
        f"<main>{_scores_section(data)}\n"
        '<section id="documents"><h2>Documents</h2>'
        f"{_LEGEND}{_controls(labels, by_layer)}{documents}</section></main>\n"
        f'<script type="application/json" id="report-data">{json_block(payload)}</script>\n'
        f"<script>{script}</script>\n</body></html>\n")


def write_report(path: Path | str, result: Result, gold_docs: Mapping[str, AnnotationDocument],
                 pred_docs: Mapping[str, AnnotationDocument],
                 corpus: Mapping[str, Document]) -> None:
    """Write the HTML report to `path` atomically (readers see the old file or the new one).
    Raises OSError when the file cannot be written."""
    write_atomic(path, render(result, gold_docs, pred_docs, corpus))


__all__ = ["LAYERS", "STATUSES", "Item", "assign_lanes", "classify", "esc", "items",
           "json_block", "render", "render_text", "segments", "write_report"]
