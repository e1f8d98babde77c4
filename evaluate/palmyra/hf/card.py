"""The dataset card metadata: the YAML front matter of README.md that the Hub and
`datasets.load_dataset` read (configs, their data files and features, split sizes).

The feature and config YAML come from datasets' own serializers (`MetadataConfigs`,
`DatasetInfosDict.to_dataset_card_data`, `Features._to_yaml_list` underneath), so the card
says exactly what `datasets` will parse back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from datasets import Features
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

from palmyra.hf.features import DEFAULT_CONFIG, SPLIT

# The annotations are CC BY 4.0, but the news texts are not licensed by the project
# (LICENSE-DATA): "cc-by-4.0" alone would misstate the text column's terms.
CARD = {
    "pretty_name": "palmyra-corpus",
    "license": "other",
    "license_name": "cc-by-4.0-annotations-news-texts-research-only",
    "license_link": "LICENSE-DATA",
    "language": ["en"],
    "language_creators": ["found"],
    "annotations_creators": ["machine-generated"],  # see DATASHEET.md, "Who annotated"
    "multilinguality": ["monolingual"],
    "source_datasets": ["original"],
    "task_categories": ["token-classification"],
    "task_ids": ["named-entity-recognition"],
    "tags": ["information-extraction", "event-extraction", "coreference", "attribution",
             "quantities", "news", "evaluation"],
}
ORDER = [*CARD, "size_categories", "configs", "dataset_info"]


@dataclass(frozen=True)
class ConfigCard:
    """What the card says of one configuration."""

    name: str
    path: str  # the data file, relative to the repository root
    features: Features
    num_examples: int
    num_bytes: int  # the Arrow size, as datasets records it for a split
    download_size: int  # the data file's size in bytes


def size_category(n: int) -> str:
    """The Hub's size bucket for a dataset whose largest configuration has n rows."""
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                         (1_000_000, "100K<n<1M")):
        if n < limit:
            return label
    return "n>1M"


def front_matter(configs: Sequence[ConfigCard]) -> str:
    """The YAML text of the front matter (without the `---` lines), configs sorted by name."""
    card = DatasetCardData(**CARD, size_categories=[
        size_category(max((c.num_examples for c in configs), default=0))])
    MetadataConfigs({
        c.name: {**({"default": True} if c.name == DEFAULT_CONFIG else {}),
                 "data_files": [{"split": SPLIT, "path": c.path}]}
        for c in configs
    }).to_dataset_card_data(card)
    infos = {}
    for c in configs:
        splits = SplitDict()
        splits.add(SplitInfo(name=SPLIT, num_bytes=c.num_bytes, num_examples=c.num_examples))
        infos[c.name] = DatasetInfo(features=c.features, splits=splits,
                                    download_size=c.download_size, dataset_size=c.num_bytes)
    DatasetInfosDict(infos).to_dataset_card_data(card)
    return card.to_yaml(original_order=ORDER) + "\n"


# The block as huggingface_hub finds it: a first line "---", then everything up to the next
# line that is "---" (trailing blanks allowed).
_FRONT_MATTER = re.compile(r"\A\s*---(?:\r\n|\r|\n)([\s\S]*?)(?:\r\n|\r|\n)---[ \t]*(?:\r\n|\n|\Z)")


def split_front_matter(readme: str) -> tuple[str | None, str]:
    """(the YAML text of the front matter or None, the body after it)."""
    match = _FRONT_MATTER.match(readme)
    if match is None:
        return None, readme
    return match.group(1) + "\n", readme[match.end():]


def replace_front_matter(readme: str, yaml_text: str) -> str:
    """`readme` with its front matter replaced by `yaml_text` (added when it has none); the
    body is kept byte for byte."""
    _, body = split_front_matter(readme)
    block = yaml_text.rstrip("\n")
    return f"---\n{block}\n---\n{body}"


__all__ = ["CARD", "ConfigCard", "front_matter", "replace_front_matter", "size_category",
           "split_front_matter"]
