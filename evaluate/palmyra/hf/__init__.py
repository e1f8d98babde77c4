"""The corpus as Hugging Face datasets: one configuration per view of the gold, split "test".

  documents     one row per document: text, metadata, zones
  entities      one row per entity mention          events   one row per event
  numbers       one row per number                  attributions  one row per attribution
  coreference   one row per cross-document cluster, with its mentions in every document
  tokens        one row per sentence: tokens, offsets and IOB2 tags (a ClassLabel)
  annotations   one row per document: the whole annotation document, nested

`load_dataset(config)` builds a configuration in memory from the gold the package carries;
a source checkout also holds the same rows as data/<config>/test.jsonl, declared in the
README front matter, for `datasets.load_dataset(<checkout>, config)` and the Hub
(`palmyra build` writes them; palmyra.hf.build). docs/datasets.md describes the features.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from palmyra.hf.features import CONFIGS, DEFAULT_CONFIG, SPLIT
from palmyra.hf.rows import BuildError, config_rows, read_gold
from palmyra.paths import data_root

if TYPE_CHECKING:
    from datasets import Dataset, DatasetDict


def load_dataset(config: str = DEFAULT_CONFIG, split: str | None = None
                 ) -> Dataset | DatasetDict:
    """One configuration, built from the installed gold: a DatasetDict {"test": Dataset},
    or the Dataset itself with split="test" (as `datasets.load_dataset` answers).

    The rows and features are those of `datasets.load_dataset(<checkout>, config)`, but
    nothing is read from or written to the datasets cache, so the result always reflects
    the gold on disk. Raises ValueError for an unknown configuration or split.
    """
    from datasets import Dataset, DatasetDict

    if config not in CONFIGS:
        raise ValueError(f"unknown configuration {config!r}: expected one of "
                         f"{', '.join(CONFIGS)}")
    if split not in (None, SPLIT):
        raise ValueError(f"unknown split {split!r}: the corpus has one split, {SPLIT!r}")
    feats, rows = config_rows(config, read_gold(data_root()))
    dataset = Dataset.from_list(rows, features=feats, split=SPLIT)
    return dataset if split is not None else DatasetDict({SPLIT: dataset})


__all__ = ["CONFIGS", "DEFAULT_CONFIG", "SPLIT", "BuildError", "config_rows", "load_dataset",
           "read_gold"]
