"""CoNLL IOB2: the entity layer as one `token<TAB>tag` line per token.

Tokens and sentences are palmyra.tokenize's, over the annotated zones (the BIO view the
scorer uses): a blank line ends a sentence, and each document starts with
`-DOCSTART- <doc_id><TAB>O` and a blank line. Tags are O, B-<type>, I-<type>.

IOB2 carries entity types and token spans only: no ids, levels, metonymic roles, clusters or
notes, no nested mentions (the outermost is kept, as in palmyra.tokenize.to_iob2), and
spans widened to whole tokens. Reading a file back gives the entity spans of its tags
(a document with the entities layer only); it checks every token against the corpus text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from palmyra.annotations import SCHEMA_VERSION, AnnotationDocument
from palmyra.corpus import Document
from palmyra.formats import FormatError, Imported
from palmyra.tokenize import Tokenization, annotated_zone_types, to_iob2, tokenization

DOCSTART = "-DOCSTART-"
_TAG = re.compile(r"O|([BI])-(\S+)")
_LOST = {"nested": "nested mention(s) left out (IOB2 cannot nest; the outermost is kept)",
         "extended": "span(s) widened to whole tokens",
         "truncated": "span(s) cut at the end of their sentence",
         "outside": "mention(s) outside the annotated zones left out"}


def _tokens(doc: Document) -> Tokenization:
    return tokenization(doc, annotated_zone_types(doc))


def write_conll(docs: Sequence[AnnotationDocument], corpus: Mapping[str, Document]
                ) -> tuple[str, list[str]]:
    """The IOB2 text of the documents' entity layers, and one line per kind of loss."""
    out: list[str] = []
    notes: list[str] = []
    for doc in docs:
        tok = _tokens(corpus[doc.doc_id])
        mentions = [(e.span.start, e.span.end, e.type) for e in doc.layer("entities")]
        conversion = to_iob2(tok, mentions)
        out.append(f"{DOCSTART} {doc.doc_id}\tO\n\n")
        for k, tags in enumerate(conversion.tags):
            first = tok.sentence_starts[k]
            out += [f"{tok.texts[first + i]}\t{tag}\n" for i, tag in enumerate(tags)]
            out.append("\n")
        counts = Counter(reason for _, reason in conversion.adjustments)
        notes += [f"{doc.doc_id}: {counts[r]} {_LOST[r]}" for r in _LOST if counts[r]]
    return "".join(out), notes


@dataclass
class _Section:
    """The lines of one document in a CoNLL file."""

    doc_id: str | None
    line: int  # of its -DOCSTART- (0: the file has none)
    # token, tag, line number, sentence number
    rows: list[tuple[str, str, int, int]] = field(default_factory=list)


def read_conll(text: str, corpus: Mapping[str, Document], *, file: str) -> list[Imported]:
    """The entity layers of an IOB2 file (raises FormatError, one line per problem)."""
    problems: list[str] = []
    sections = _sections(text, file, problems)
    if not problems and not any(section.rows for section in sections):
        raise FormatError([f"{file}: no tokens: expected 'token<TAB>tag' lines"])
    out: list[Imported] = []
    for section in sections:
        doc = _document(section, corpus, file, problems)
        if doc is not None:
            item = _entities(section, doc, file, problems)
            if item is not None:
                out.append(item)
    if problems:
        raise FormatError(problems)
    return out


def _sections(text: str, file: str, problems: list[str]) -> list[_Section]:
    sections: list[_Section] = []
    sentence = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if line.startswith(DOCSTART):
            fields = line[len(DOCSTART):].split()
            doc_id = fields[0] if fields and not _TAG.fullmatch(fields[0]) \
                and fields[0] != "-X-" else None
            sections.append(_Section(doc_id, number))
            continue
        if not line.strip():
            sentence += 1
            continue
        parts = line.split()
        if len(parts) != 2:
            problems.append(f"{file}:{number}: expected 'token<TAB>tag', found "
                            f"{len(parts)} columns")
            continue
        if not sections:
            sections.append(_Section(None, 0))
        sections[-1].rows.append((parts[0], parts[1], number, sentence))
    return sections


def _document(section: _Section, corpus: Mapping[str, Document], file: str,
              problems: list[str]) -> Document | None:
    """The corpus document of a section: its -DOCSTART- doc_id, else the one whose tokens
    the section has."""
    if section.doc_id is not None:
        if section.doc_id not in corpus:
            problems.append(f"{file}:{section.line}: no corpus document {section.doc_id!r}")
            return None
        return corpus[section.doc_id]
    tokens = [row[0] for row in section.rows]
    for doc in corpus.values():
        if _tokens(doc).texts == tokens:
            return doc
    where = f"{file}:{section.line}" if section.line else f"{file}:1"
    problems.append(f"{where}: no doc_id ('{DOCSTART} <doc_id>'), and the tokens are not "
                    "those of any corpus document")
    return None


def _entities(section: _Section, doc: Document, file: str, problems: list[str]
              ) -> Imported | None:
    tok = _tokens(doc)
    rows = section.rows
    for i, (token, _, number, _) in enumerate(rows):
        if i >= len(tok) or tok.texts[i] != token:
            expected = f"{tok.texts[i]!r} (text[{tok.starts[i]}:{tok.ends[i]}])" \
                if i < len(tok) else "the end of the document"
            problems.append(f"{file}:{number}: {doc.doc_id}: token {i + 1}: expected "
                            f"{expected}, found {token!r}")
            return None
    if len(rows) < len(tok):
        end = rows[-1][2] if rows else section.line
        problems.append(f"{file}:{end}: {doc.doc_id}: the document ends after {len(rows)} "
                        f"tokens; expected {len(tok)} (next: {tok.texts[len(rows)]!r})")
        return None
    from palmyra.ontology import load_ontology

    types = set(load_ontology().entity_types)
    entities: list[dict] = []
    origins: dict[str, str] = {}
    open_: tuple[int, str, int] | None = None  # first token, type, sentence
    ok = True
    for i, (_, tag, number, sentence) in enumerate(rows):
        m = _TAG.fullmatch(tag)
        if m is None or (m.group(2) is not None and m.group(2) not in types):
            problems.append(f"{file}:{number}: unknown tag {tag!r} (expected O, or B- or I- "
                            f"with {', '.join(sorted(types))})")
            ok = False
            continue
        if open_ is not None and (m.group(1) != "I" or m.group(2) != open_[1]
                                  or sentence != open_[2]):
            entities.append(_span(doc.text, tok, open_[0], i - 1, open_[1]))
            open_ = None
        if m.group(1) == "B":
            open_ = (i, m.group(2), sentence)
            origins[f"$.entities[{len(entities)}]"] = f"line {number}"
        elif m.group(1) == "I" and open_ is None:
            problems.append(f"{file}:{number}: {tag} does not continue an entity; IOB2 starts "
                            f"every entity with B-{m.group(2)}")
            ok = False
    if open_ is not None:
        entities.append(_span(doc.text, tok, open_[0], len(rows) - 1, open_[1]))
    if not ok:
        return None
    document = {"schema_version": SCHEMA_VERSION, "doc_id": doc.doc_id, "entities": entities}
    return Imported(document, file, origins)


def _span(text: str, tok: Tokenization, first: int, last: int, etype: str) -> dict:
    start, end = tok.starts[first], tok.ends[last]
    return {"start": start, "end": end, "text": text[start:end], "type": etype}


__all__ = ["DOCSTART", "read_conll", "write_conll"]
