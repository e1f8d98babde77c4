"""The claims report: every claim, its versions side by side with their sources, and the
relation, conflicts first (`palmyra claims`). One data object (`report_data`, also the JSON
output) rendered as plain text for a terminal and as one self-contained HTML page.

HTML safety as in palmyra.report.html: every string from the input is escaped with
html.escape(quote=True); the page has no script, and its Content-Security-Policy allows only
its own inline style (by hash): no network, nothing injected runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from palmyra.annotations import AnnotationDocument, Attribution, write_atomic
from palmyra.claims import AUTHOR, RELATIONS, Claim, ClaimMention, ClaimsDocument
from palmyra.corpus import Document
from palmyra.report.html import _csp_hash, esc

# Conflicts first: what a fact-checker looks at first, then the softer differences.
ORDER = ("conflict", "compatible", "agree", "single_source")
WORDS = {"conflict": "versions conflict", "compatible": "compatible versions",
         "agree": "versions agree", "single_source": "one source only"}


# --------------------------------------------------------------------------- the data


def _outlet(doc: Document | None) -> str:
    """The outlet's name, or its kind when the metadata does not name it."""
    meta = doc.metadata if doc is not None else {}
    outlet = meta.get("outlet") if isinstance(meta.get("outlet"), dict) else {}
    name = outlet.get("name")
    if isinstance(name, str) and name:
        return name
    kind = outlet.get("kind")
    return f"unnamed {kind}" if isinstance(kind, str) else ""


def _attribution_words(a: Attribution) -> str:
    if a.source is not None:
        who = a.source.span.text
    else:
        who = "an unnamed source" if a.implicit_source == "unspecified" else "the author"
    cue = " \u2026 ".join(s.text for s in a.cue)
    hedge = ", hedged" if a.hedged else ""
    return f"{who} ({cue}{hedge})"


def source_words(chain: Sequence[str] | None, doc: AnnotationDocument | None) -> str:
    """A source chain in words, outermost first: 'Syrian state TV (quoted) > the Homs
    governor (as saying)'; the outlet's own voice for ("author",)."""
    if not chain:
        return "-"
    if list(chain) == [AUTHOR]:
        return "the outlet itself"
    by_id = {a.id: a for a in doc.layer("attributions")} if doc is not None else {}
    return " > ".join(_attribution_words(by_id[a]) if a in by_id else a for a in chain)


def _item_detail(m: ClaimMention, doc: AnnotationDocument | None) -> str:
    """What the layer says of the item: a number's value and qualifier, an event's type and
    realis, an entity's cluster, an attribution's type."""
    if doc is None:
        return ""
    for item in doc.layer(m.layer):
        if item.id != m.id:
            continue
        if m.layer == "numbers":
            value = item.timex if item.kind == "date" else next(
                (x for x in (item.value, item.low, item.high) if x is not None), None)
            shown = (str(int(value)) if isinstance(value, float) and value.is_integer()
                     else str(value))
            unit = f" {item.unit}" if item.unit else ""
            plus = ", increment" if item.increment else ""
            return f"{item.kind} {shown}{unit}, {item.qualifier or 'exact'}{plus}"
        if m.layer == "events":
            return f"{item.type}, {item.realis or '-'}"
        if m.layer == "entities":
            return f"{item.type}, {item.cluster or '-'}"
        return f"attribution, {item.type or '-'}"
    return ""


def _version(m: ClaimMention, docs: Mapping[str, AnnotationDocument],
             corpus: Mapping[str, Document]) -> dict[str, Any]:
    doc = docs.get(m.doc_id)
    return {"doc_id": m.doc_id, "outlet": _outlet(corpus.get(m.doc_id)), "layer": m.layer,
            "id": m.id, "text": m.span.text if m.span else None,
            "start": m.span.start if m.span else None, "version": m.version,
            "item": _item_detail(m, doc), "source_chain": list(m.source_chain or []),
            "source": source_words(m.source_chain, doc), "hedged": m.hedged}


def _claim_entry(c: Claim, docs: Mapping[str, AnnotationDocument],
                 corpus: Mapping[str, Document]) -> dict[str, Any]:
    return {"id": c.id, "topic": c.topic, "question": c.question,
            "proposition": c.proposition, "relation": c.relation, "documents": c.doc_ids,
            "versions": [_version(m, docs, corpus) for m in c.mentions], "note": c.note}


def _id_number(cid: str | None) -> tuple[int, str]:
    digits = "".join(ch for ch in cid or "" if ch.isdigit())
    return (int(digits) if digits else 0, cid or "")


def report_data(claims: ClaimsDocument, docs: Mapping[str, AnnotationDocument],
                corpus: Mapping[str, Document], *, source: str = "",
                sha256: str = "") -> dict[str, Any]:
    """The report as one JSON-ready object: counts, then every claim, conflicts first (then
    compatible, agree, single source), by id within a relation."""
    ordered = sorted(claims.claims, key=lambda c: (ORDER.index(c.relation)
                                                   if c.relation in ORDER else len(ORDER),
                                                   _id_number(c.id)))
    relations = Counter(c.relation for c in claims.claims)
    return {
        "source": source, "sha256": sha256, "status": claims.status,
        "annotator": claims.annotator,
        "counts": {"claims": len(claims.claims),
                   "mentions": sum(len(c.mentions) for c in claims.claims),
                   "documents": sorted({d for c in claims.claims for d in c.doc_ids}),
                   "by_relation": {r: relations.get(r, 0) for r in RELATIONS},
                   "by_layer": dict(sorted(Counter(m.layer for c in claims.claims
                                                   for m in c.mentions).items()))},
        "claims": [_claim_entry(c, docs, corpus) for c in ordered],
    }


# --------------------------------------------------------------------------- terminal


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, all left-aligned (the cells are text)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in [header, *rows])


def _counts_line(data: Mapping[str, Any]) -> str:
    counts = data["counts"]
    parts = ", ".join(f"{counts['by_relation'][r]} {r}" for r in ORDER)
    return (f"palmyra claims: {counts['claims']} claims ({parts}), {counts['mentions']} "
            f"mentions in {len(counts['documents'])} documents")


def render_terminal(data: Mapping[str, Any]) -> str:
    """Plain text: a header, then per claim its question, its versions side by side (one
    row each: document, what the text says, the version, the source) and its note."""
    out = [_counts_line(data)]
    if data.get("source"):
        out.append(f"source: {data['source']}" + (f" (sha256:{data['sha256'][:12]})"
                                                   if data.get("sha256") else ""))
    header = ["document", "says", "version", "source", "hedged"]
    for c in data["claims"]:
        out += ["", f"[{c['relation']}] {c['id'] or '-'} {c['topic'] or ''}: "
                    f"{c['question'] or c['proposition'] or ''}".rstrip()]
        if c["proposition"]:
            out.append(f"  proposition: {c['proposition']}")
        rows = [[f"{v['doc_id']} ({v['outlet']})" if v["outlet"] else v["doc_id"],
                 f"\u201c{v['text']}\u201d" if v["text"] else f"{v['layer']} {v['id']}",
                 v["version"] or "-", v["source"], "yes" if v["hedged"] else "no"]
                for v in c["versions"]]
        out += ["  " + line for line in _table(header, rows).splitlines()]
        if c["note"]:
            out.append(f"  note: {c['note']}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- HTML

_STYLE = """
body { margin: 0 auto; max-width: 76rem; padding: 0 1.5rem 4rem; color: #1f2328;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.6rem; margin: 1.2rem 0 0.4rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 0.3rem; }
table { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
th, td { padding: 0.2rem 0.6rem; text-align: left; vertical-align: top; }
thead th { border-bottom: 1px solid #1f2328; }
tbody tr:nth-child(even) { background: #f6f8fa; }
.counts { width: auto; }
.claim { border-left: 6px solid #9aa0a6; padding: 0.2rem 0 0.6rem 0.9rem; margin: 1.4rem 0; }
.claim.conflict { border-left-color: #d55e00; }
.claim.compatible { border-left-color: #e69f00; }
.claim.agree { border-left-color: #009e73; }
.claim.single_source { border-left-color: #56b4e9; }
.rel { font-size: 0.8rem; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; }
.says { font-family: Georgia, "DejaVu Serif", serif; }
.muted, .item { color: #6a737d; }
.hedged { color: #d55e00; font-weight: 600; }
.note { font-size: 0.9rem; }
"""


def _html_claim(c: Mapping[str, Any]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("document", "the text says", "version", "source",
                                             "hedged"))
    rows = []
    for v in c["versions"]:
        says = (f'<span class="says">\u201c{esc(v["text"])}\u201d</span>' if v["text"]
                else "")
        item = f"{v['layer']} {v['id']}" + (f" \u00b7 {v['item']}" if v["item"] else "")
        hedged = '<span class="hedged">hedged</span>' if v["hedged"] else "no"
        rows.append(
            f'<tr><td>{esc(v["doc_id"])}<br><span class="muted">{esc(v["outlet"])}</span>'
            f'</td><td>{says}<br><span class="item">{esc(item)}</span></td>'
            f'<td>{esc(v["version"] or "-")}</td><td>{esc(v["source"])}</td>'
            f"<td>{hedged}</td></tr>")
    note = f'<p class="note"><b>Note.</b> {esc(c["note"])}</p>' if c["note"] else ""
    prop = (f'<p class="muted">proposition: {esc(c["proposition"])}</p>'
            if c["proposition"] else "")
    relation = str(c["relation"])
    return (f'<section class="claim {esc(relation)}" id="claim-{esc(c["id"] or "")}">'
            f'<h2><span class="rel">{esc(WORDS.get(relation, relation))}</span> '
            f"{esc(c['id'] or '')} <small>{esc(c['topic'] or '')}</small></h2>"
            f"<p>{esc(c['question'] or '')}</p>{prop}"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"{note}</section>")


def _html_counts(data: Mapping[str, Any]) -> str:
    counts = data["counts"]
    rows = "".join(f"<tr><td>{esc(r)}</td><td>{esc(counts['by_relation'][r])}</td></tr>"
                   for r in ORDER)
    topics = "".join(f'<li><a href="#claim-{esc(c["id"] or "")}">{esc(c["id"] or "")}</a> '
                     f'{esc(c["topic"] or "")} <span class="muted">{esc(c["relation"])}'
                     "</span></li>" for c in data["claims"])
    return (f"<p>{esc(_counts_line(data))}</p>"
            f'<table class="counts"><thead><tr><th>relation</th><th>claims</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
            f"<details><summary>all claims</summary><ol>{topics}</ol></details>")


def render_html(data: Mapping[str, Any]) -> str:
    """The report as one self-contained HTML page (a str)."""
    csp = (f"default-src 'none'; style-src {_csp_hash(_STYLE)}; base-uri 'none'; "
           "form-action 'none'")
    source = (f'<p class="muted">source: <code>{esc(data["source"])}</code> sha256 '
              f'<code>{esc(data["sha256"])}</code></p>' if data.get("source") else "")
    return ("<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">'
            '<meta name="referrer" content="no-referrer">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>palmyra claims report</title><style>{_STYLE}</style></head>\n"
            f"<body><header><h1>palmyra claims report</h1>{source}{_html_counts(data)}"
            "</header>\n<main>"
            + "\n".join(_html_claim(c) for c in data["claims"])
            + "</main>\n</body></html>\n")


def write_html(path: Path | str, data: Mapping[str, Any]) -> None:
    """Write the HTML report atomically. Raises OSError when it cannot be written."""
    write_atomic(path, render_html(data))


__all__ = ["ORDER", "render_html", "render_terminal", "report_data", "source_words",
           "write_html"]
