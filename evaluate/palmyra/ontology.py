"""The label inventory (schema/ontology.yaml), loaded once with yaml.safe_load."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import yaml

from palmyra.paths import schema_dir


@dataclass(frozen=True)
class Ontology:
    raw: dict

    @property
    def version(self) -> str:
        return str(self.raw["ontology_version"])

    @property
    def entity_types(self) -> list[str]:
        return list(self.raw["entity_types"])

    @property
    def event_types(self) -> list[str]:
        return list(self.raw["event_types"])

    def roles(self, event_type: str) -> list[str]:
        return list(self.raw["event_types"].get(event_type, {}).get("roles", []))

    @cached_property  # asked once per scored span by some scorers
    def annotated_zones(self) -> frozenset[str]:
        return frozenset(k for k, v in self.raw["zone_types"].items() if v["annotated"])

    @property
    def zone_types(self) -> list[str]:
        return list(self.raw["zone_types"])

    @property
    def units(self) -> list[str]:
        return [u for group in self.raw["units"].values() for u in group]


@cache
def load_ontology(path: Path | None = None) -> Ontology:
    path = path or schema_dir() / "ontology.yaml"
    with open(path, encoding="utf-8") as fh:
        return Ontology(yaml.safe_load(fh))
