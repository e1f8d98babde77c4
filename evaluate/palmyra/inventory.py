"""Corpus statistics: what the gold contains, per layer, type and document.

README.md and DATASHEET.md quote these tables between `<!-- stats:NAME -->` and
`<!-- /stats:NAME -->` markers; tests/test_docs_figures.py regenerates them from the gold and
fails when a document drifts from the data.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from palmyra.annotations import AnnotationDocument
from palmyra.paths import annotations_dir, is_document_file


def load_gold(directory: Path | str | None = None) -> dict[str, AnnotationDocument]:
    """The gold documents of an annotations folder (every `<doc_id>.json` but clusters.json)."""
    directory = Path(directory) if directory is not None else annotations_dir()
    docs = {}
    for path in sorted(directory.glob("*.json")):
        if not is_document_file(path):
            continue
        doc = AnnotationDocument.from_dict(json.loads(path.read_text(encoding="utf-8")))
        docs[doc.doc_id] = doc
    return docs


def _label(layer: str, item: object) -> str:
    if layer == "numbers":
        return item.kind  # type: ignore[attr-defined]
    if layer == "attributions":
        return item.type or "untyped"  # type: ignore[attr-defined]
    return item.type  # type: ignore[attr-defined]


def layer_counts(docs: Mapping[str, AnnotationDocument], layer: str) -> dict[str, Counter]:
    """doc_id -> Counter(label -> count) for one layer."""
    return {d: Counter(_label(layer, x) for x in doc.layer(layer)) for d, doc in docs.items()}


def cluster_counts(docs: Mapping[str, AnnotationDocument], layer: str) -> dict[str, int]:
    """Clusters of a layer: all, those spanning several documents, and singletons."""
    docs_of: dict[str, set[str]] = {}
    size: Counter = Counter()
    for doc_id, doc in docs.items():
        for item in doc.layer(layer):
            if item.cluster is not None:
                docs_of.setdefault(item.cluster, set()).add(doc_id)
                size[item.cluster] += 1
    return {
        "clusters": len(docs_of),
        "cross_document": sum(1 for s in docs_of.values() if len(s) > 1),
        "singletons": sum(1 for c in size if size[c] == 1),
    }


def markdown_table(docs: Mapping[str, AnnotationDocument], layer: str) -> str:
    """A table with one row per label and one column per document, plus totals."""
    per_doc = layer_counts(docs, layer)
    labels = sorted(set().union(*per_doc.values())) if per_doc else []
    doc_ids = sorted(per_doc)
    head = f"| {layer} | " + " | ".join(doc_ids) + " | total |"
    rule = "|---|" + "---:|" * (len(doc_ids) + 1)
    rows = [head, rule]
    for label in [*labels, "total"]:
        cells = [sum(per_doc[d].values()) if label == "total" else per_doc[d][label]
                 for d in doc_ids]
        rows.append(f"| {label} | " + " | ".join(map(str, cells)) + f" | {sum(cells)} |")
    return "\n".join(rows)


def markdown_summary(docs: Mapping[str, AnnotationDocument]) -> str:
    """One row per layer: items, and clusters where the layer has them."""
    rows = ["| layer | items | clusters | cross-document clusters | singleton clusters |",
            "|---|---:|---:|---:|---:|"]
    for layer in ("entities", "events", "numbers", "attributions"):
        n = sum(len(doc.layer(layer)) for doc in docs.values())
        if layer in ("entities", "events"):
            c = cluster_counts(docs, layer)
            rows.append(f"| {layer} | {n} | {c['clusters']} | {c['cross_document']} | "
                        f"{c['singletons']} |")
        else:
            rows.append(f"| {layer} | {n} | n/a | n/a | n/a |")
    return "\n".join(rows)


def tables(docs: Mapping[str, AnnotationDocument]) -> dict[str, str]:
    """Every table the docs quote, by marker name."""
    out = {"summary": markdown_summary(docs)}
    for layer in ("entities", "events", "numbers", "attributions"):
        out[layer] = markdown_table(docs, layer)
    return out


_MARKER = re.compile(r"(<!-- stats:(?P<name>[a-z]+) -->\n)(?P<body>.*?)(<!-- /stats:(?P=name) -->)",
                     re.S)


def fill_markers(text: str, docs: Mapping[str, AnnotationDocument]) -> str:
    """`text` with every `<!-- stats:NAME -->` block replaced by the current table NAME."""
    current = tables(docs)

    def table(match: re.Match) -> str:
        return f"{match[1]}{current[match['name']]}\n{match[4]}"

    return _MARKER.sub(table, text)
