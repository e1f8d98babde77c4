"""Shared fixtures: a small, valid gold document of palmyra-004 (real offsets into the
corpus text) with its cluster registry, and a helper that writes them as an annotation
folder."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than 30 s (still in the default run)")


def _span(start: int, end: int, text: str) -> dict:
    return {"start": start, "end": end, "text": text}


def _entity(n: int, start: int, end: int, text: str, etype: str, level: str,
            cluster: str) -> dict:
    return {"id": f"m{n}", **_span(start, end, text), "type": etype, "level": level,
            "cluster": cluster}


# Offsets checked by hand against corpus/palmyra-004.txt (e.g. text[514:535] is
# "Governor Talal Barazi", the source of a2, whose name mention m5 is text[523:535]);
# tests/test_validate.py proves the document validates clean.
GOLD_004 = {
    "schema_version": "1.0.0",
    "doc_id": "palmyra-004",
    "status": "gold",
    "entities": [
        _entity(1, 239, 267, "The Islamic State (IS) group", "ORG", "NAM", "E:islamic-state"),
        _entity(2, 299, 306, "Palmyra", "GPE", "NAM", "E:palmyra-town"),
        _entity(3, 362, 377, "Syrian state TV", "ORG", "NAM", "E:syrian-state-tv"),
        _entity(4, 385, 402, "the Homs governor", "PER", "NOM", "E:talal-barazi"),
        _entity(5, 523, 535, "Talal Barazi", "PER", "NAM", "E:talal-barazi"),  # no title
        _entity(6, 550, 563, "Ikhbariyah TV", "ORG", "NAM", "E:ikhbariyah-tv"),
        _entity(7, 574, 582, "the army", "ORG", "NOM", "E:syrian-army"),
        _entity(8, 601, 609, "the city", "GPE", "NOM", "E:palmyra-town"),
        _entity(9, 979, 997, "IS group militants", "PER", "NOM", "E:is-fighters"),
    ],
    "events": [
        {"id": "ev1", "trigger": _span(268, 278, "recaptured"), "type": "Conflict.TakeControl",
         "realis": "ACTUAL", "cluster": "V:is-retakes-palmyra-2016-12",
         "arguments": [{"role": "Captor", "mention": "m1"},
                       {"role": "Territory", "mention": "m2", **_span(299, 306, "Palmyra")}],
         "time": {"value": "2016-12-11", "span": _span(307, 316, "on Sunday")}},
        {"id": "ev2", "trigger": _span(587, 597, "pulled out"), "type": "Conflict.Retreat",
         "realis": "ACTUAL", "cluster": "V:army-leaves-palmyra-2016-12",
         "arguments": [{"role": "Retreater", "mention": "m7"},
                       {"role": "Origin", "mention": "m8"}]},
        {"id": "ev3", "trigger": _span(1028, 1034, "attack"), "type": "Conflict.Attack",
         "realis": "ACTUAL", "cluster": "V:is-attack-palmyra-2016-12",
         "arguments": [{"role": "Attacker", "mention": "m9"}]},
        # "... admission that Palmyra had fallen once again to the militants": ev1 again,
        # with arguments given as spans only.
        {"id": "ev4", "trigger": _span(478, 484, "fallen"), "type": "Conflict.TakeControl",
         "realis": "ACTUAL", "cluster": "V:is-retakes-palmyra-2016-12",
         "arguments": [{"role": "Territory", **_span(466, 473, "Palmyra")},
                       {"role": "Captor", **_span(499, 512, "the militants")}]},
    ],
    "numbers": [
        {"id": "n1", **_span(963, 978, "more than 4,000"), "kind": "count", "low": 4000,
         "qualifier": "lower_bound", "counted": _span(979, 997, "IS group militants"),
         "entity": "m9", "event": "ev3", "role": "Attacker"},
    ],
    "attributions": [
        {"id": "a1", "source": {**_span(362, 377, "Syrian state TV"), "mention": "m3"},
         "cue": [_span(378, 384, "quoted"), _span(403, 412, "as saying")],
         "content": [_span(239, 360, "The Islamic State (IS) group recaptured the ancient "
                                     "city of Palmyra on Sunday and the army was fighting "
                                     "to regain control")],
         "type": "indirect"},
        {"id": "a2", "source": {**_span(514, 535, "Governor Talal Barazi"), "mention": "m5"},
         "cue": [_span(536, 573, "was quoted on Ikhbariyah TV as saying")],
         "content": [_span(574, 609, "the army had pulled out of the city")],
         "type": "indirect", "parent": "a3"},
        {"id": "a3", "source": {**_span(550, 563, "Ikhbariyah TV"), "mention": "m6"},
         "cue": [_span(536, 546, "was quoted")],
         "content": [_span(574, 609, "the army had pulled out of the city")],
         "type": "indirect"},
    ],
}

REGISTRY = {
    "schema_version": "1.0.0",
    "entities": [
        {"id": "E:islamic-state", "type": "ORG", "name": "Islamic State"},
        {"id": "E:palmyra-town", "type": "GPE", "name": "Palmyra (Tadmur)"},
        {"id": "E:syrian-state-tv", "type": "ORG", "name": "Syrian state television"},
        {"id": "E:talal-barazi", "type": "PER", "name": "Talal Barazi"},
        {"id": "E:ikhbariyah-tv", "type": "ORG", "name": "Al-Ikhbariyah TV"},
        {"id": "E:syrian-army", "type": "ORG", "name": "Syrian Arab Army"},
        {"id": "E:is-fighters", "type": "PER", "name": "Islamic State fighters"},
    ],
    "events": [
        {"id": "V:is-retakes-palmyra-2016-12", "type": "Conflict.TakeControl",
         "description": "Islamic State retakes Palmyra, 11 December 2016"},
        {"id": "V:army-leaves-palmyra-2016-12", "type": "Conflict.Retreat",
         "description": "The Syrian army pulls out of Palmyra, 11 December 2016"},
        {"id": "V:is-attack-palmyra-2016-12", "type": "Conflict.Attack",
         "description": "Islamic State's attack on Palmyra, December 2016"},
    ],
}


@pytest.fixture
def gold() -> dict:
    """A fresh, valid gold document of palmyra-004 (safe to mutate)."""
    return copy.deepcopy(GOLD_004)


@pytest.fixture
def registry() -> dict:
    return copy.deepcopy(REGISTRY)


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path, gold: dict, registry: dict):
    """Write an annotation folder (clusters.json + documents); returns the folder path."""

    def make(*docs: dict, clusters: dict | None = registry) -> Path:
        root = tmp_path / "annotations"
        root.mkdir(exist_ok=True)
        if clusters is not None:
            write_json(root / "clusters.json", clusters)
        for doc in docs or (gold,):
            write_json(root / f"{doc['doc_id']}.json", doc)
        return root

    return make
