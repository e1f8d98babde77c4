"""Finding strings that a model returned in the text it was given: character offsets.

A language model returns the words it found, not offsets. `Aligner.locate` turns a string
back into a span:

1. Every occurrence of the string in the text: exact matches first; when there are none,
   matches that ignore case, runs of whitespace, and the form of quotation marks,
   apostrophes and dashes ("Syria's" finds it written with a typographic apostrophe). Of
   these, the occurrences that do not cut a word are kept when there are any ("it" is not
   looked for inside "cities").
2. One occurrence is chosen: the one the `occurrence` index names (1-based, in text
   order); else the one whose surroundings best match the `context` snippet (a snippet
   that contains the string pins it exactly); else the one nearest to `near` (an anchor
   offset: the trigger of an event for its arguments, the cue of an attribution for its
   source and content); else the first occurrence not yet `used` by an earlier item of the
   same layer; else the first.
3. No occurrence: None (the caller reports the string as unaligned).

`TextView` is the text a model is shown: the article-text zones of a document, joined, with
the map from its offsets back to the document's.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from palmyra.corpus import Document

SEPARATOR = "\n\n"
_QUOTES = {**dict.fromkeys("'\u2018\u2019\u02bc`", "['\u2018\u2019\u02bc`]"),
           **dict.fromkeys('"\u201c\u201d\u00ab\u00bb', '["\u201c\u201d\u00ab\u00bb]'),
           **dict.fromkeys("-\u2010\u2011\u2013\u2014", "[-\u2010\u2011\u2013\u2014]")}

Found = tuple[int, int]


@lru_cache(maxsize=1024)
def loose_pattern(needle: str) -> re.Pattern[str]:
    """A pattern for `needle` that ignores case, whitespace runs and quote/dash forms."""
    parts: list[str] = []
    for piece in re.split(r"(\s+)", needle.strip()):
        if not piece:
            continue
        if piece.isspace():
            parts.append(r"\s+")
        else:
            parts.append("".join(_QUOTES.get(ch, re.escape(ch)) for ch in piece))
    return re.compile("".join(parts), re.IGNORECASE)


class Aligner:
    """Locates strings in one text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def find_all(self, needle: str) -> list[Found]:
        """Every occurrence of `needle`: exact ones, else loose ones (module docstring)."""
        needle = needle.strip()
        if not needle:
            return []
        found: list[Found] = []
        at = self.text.find(needle)
        while at >= 0:
            found.append((at, at + len(needle)))
            at = self.text.find(needle, at + 1)
        if not found:
            found = [m.span() for m in loose_pattern(needle).finditer(self.text)]
        whole = [f for f in found if self._whole_words(needle, *f)]
        return whole or found

    def _whole_words(self, needle: str, start: int, end: int) -> bool:
        """Does text[start:end] not cut a word ("it" inside "cities" does)?"""
        text = self.text
        cut_before = start > 0 and needle[0].isalnum() and text[start - 1].isalnum()
        cut_after = end < len(text) and needle[-1].isalnum() and text[end].isalnum()
        return not (cut_before or cut_after)

    def locate(self, needle: str, *, occurrence: int | None = None, context: str | None = None,
               near: int | None = None, used: Collection[Found] = ()) -> Found | None:
        """The span of `needle` chosen by the policy of the module docstring, or None."""
        found = self.find_all(needle)
        if not found:
            return None
        if occurrence is not None and 1 <= occurrence <= len(found):
            return found[occurrence - 1]
        if context and context.strip():
            return self._by_context(found, needle.strip(), context.strip(), used)
        if near is not None:
            return min(found, key=lambda f: (_distance(f, near), f))
        return next((f for f in found if f not in used), found[0])

    def _by_context(self, found: list[Found], needle: str, context: str,
                    used: Collection[Found]) -> Found:
        snippets = self.find_all(context)
        inside = [f for f in found if any(c[0] <= f[0] and f[1] <= c[1] for c in snippets)]
        if inside:
            return next((f for f in inside if f not in used), inside[0])
        # The snippet is not in the text as given: score the text around each occurrence.
        offset = context.lower().find(needle.lower())
        return max(found, key=lambda f: (self._similarity(f, context, offset), f not in used,
                                         -f[0]))

    def _similarity(self, found: Found, context: str, offset: int) -> float:
        if offset >= 0:  # the snippet holds the string: compare the text it would cover
            start = max(0, found[0] - offset)
            window = self.text[start:start + len(context)]
            return SequenceMatcher(None, context.lower(), window.lower()).ratio()
        window = self.text[max(0, found[0] - len(context)):found[1] + len(context)]
        matcher = SequenceMatcher(None, context.lower(), window.lower(), autojunk=False)
        return sum(b.size for b in matcher.get_matching_blocks()) / len(context)


def _distance(found: Found, near: int) -> int:
    start, end = found
    return 0 if start <= near < end else min(abs(start - near), abs(end - 1 - near))


@dataclass(frozen=True)
class TextView:
    """The text shown to a model, with the document offset of each of its pieces.

    pieces: (view start, document start, length), in order; the view text joins the pieces
    with SEPARATOR. A span of the view maps back when it lies inside one piece.
    """

    text: str
    pieces: tuple[tuple[int, int, int], ...]

    @classmethod
    def of(cls, doc: Document, zone_types: Iterable[str] | None) -> TextView:
        """The document's zones of `zone_types` (None: the whole text), adjacent zones
        merged into one piece."""
        if zone_types is None or not doc.zones:
            return cls(doc.text, ((0, 0, len(doc.text)),))
        wanted = set(zone_types)
        ranges: list[list[int]] = []
        for zone in doc.zones:
            if zone.type not in wanted:
                continue
            if ranges and ranges[-1][1] == zone.start:
                ranges[-1][1] = zone.end
            else:
                ranges.append([zone.start, zone.end])
        pieces, texts, at = [], [], 0
        for start, end in ranges:
            pieces.append((at, start, end - start))
            texts.append(doc.text[start:end])
            at += end - start + len(SEPARATOR)
        return cls(SEPARATOR.join(texts), tuple(pieces))

    def to_document(self, start: int, end: int) -> Found | None:
        """The document offsets of view[start:end], or None when it spans a separator."""
        i = bisect_right([p[0] for p in self.pieces], start) - 1
        if i < 0:
            return None
        view_start, doc_start, length = self.pieces[i]
        if end > view_start + length:
            return None
        return doc_start + start - view_start, doc_start + end - view_start


__all__ = ["SEPARATOR", "Aligner", "TextView", "loose_pattern"]
