"""The Hugging Face view: every configuration loads offline with `datasets.load_dataset` from
the checkout (README front matter + data/), holds exactly the gold, and equals
`palmyra.load_dataset`, which builds the same rows in memory."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import datasets
import huggingface_hub
import pytest
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

import palmyra
import palmyra.corpus
from palmyra.hf import CONFIGS, SPLIT
from palmyra.hf.card import replace_front_matter, size_category, split_front_matter
from palmyra.hf.features import features, iob2_labels
from palmyra.ontology import load_ontology
from palmyra.tokenize import to_iob2, tokenization

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("entities", "events", "numbers", "attributions")


def _gold() -> dict[str, dict]:
    out = {}
    for path in sorted((ROOT / "annotations").glob("*.json")):
        if path.name not in ("clusters.json", "claims.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            out[data["doc_id"]] = data
    return out


GOLD = _gold()
CLUSTERS = json.loads((ROOT / "annotations" / "clusters.json").read_text(encoding="utf-8"))
TEXTS = {doc_id: (ROOT / "corpus" / f"{doc_id}.txt").read_bytes().decode("utf-8")
         for doc_id in GOLD}


def _strip(value: Any) -> Any:
    """A value without its null fields: a row has every declared field, the gold only those
    that apply (a number's explicit "value": null reads as None in a row, like an absent one)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> dict[str, datasets.Dataset]:
    """Every configuration as datasets.load_dataset reads the checkout, offline, with a
    fresh cache (a shared cache could answer with stale rows: docs/datasets.md)."""
    cache = tmp_path_factory.mktemp("hf-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("HF_DATASETS_OFFLINE", "1")
        # Both libraries read the variables once, at import: set what they read too.
        mp.setattr(datasets.config, "HF_HUB_OFFLINE", True)
        mp.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
        return {config: datasets.load_dataset(str(ROOT), config, split=SPLIT,
                                              cache_dir=str(cache / config))
                for config in CONFIGS}


@pytest.mark.parametrize("config", CONFIGS)
def test_datasets_load_dataset_equals_palmyra_load_dataset(hub, config):
    mine = palmyra.load_dataset(config, split=SPLIT)
    theirs = hub[config]
    assert theirs.features == mine.features == features(config, load_ontology().entity_types)
    assert theirs.num_rows == mine.num_rows > 0
    assert theirs.to_list() == mine.to_list()
    assert mine.cache_files == []  # built in memory: nothing in the datasets cache


def test_palmyra_load_dataset_answers_like_datasets():
    whole = palmyra.load_dataset("numbers")
    assert isinstance(whole, datasets.DatasetDict) and list(whole) == [SPLIT]
    assert isinstance(palmyra.load_dataset("numbers", split=SPLIT), datasets.Dataset)
    assert palmyra.load_dataset()[SPLIT].column_names[:2] == ["doc_id", "text"]  # documents
    with pytest.raises(ValueError, match="unknown configuration 'entity'"):
        palmyra.load_dataset("entity")
    with pytest.raises(ValueError, match="one split, 'test'"):
        palmyra.load_dataset("entities", split="train")


def test_import_palmyra_does_not_import_datasets():
    code = ("import sys, palmyra; assert 'load_dataset' in dir(palmyra); "
            "assert 'datasets' not in sys.modules, 'datasets imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_rows_are_the_gold_items(hub, layer):
    """One row per item, in document then gold order, each the item itself plus doc_id."""
    expected = [{"doc_id": doc_id, **item} for doc_id, doc in GOLD.items()
                for item in doc[layer]]
    rows = hub[layer].to_list()
    assert len(rows) == sum(len(doc[layer]) for doc in GOLD.values())
    assert [_strip(r) for r in rows] == _strip(expected)


def test_layer_row_counts_are_the_corpus_totals(hub):
    counts = {layer: hub[layer].num_rows for layer in LAYERS}
    assert counts == {layer: sum(len(d[layer]) for d in GOLD.values()) for layer in LAYERS}
    assert counts["entities"] == 543 and counts["events"] == 174  # the gold of 0.1.0


def test_sampled_rows_hold_every_declared_field(hub):
    by_id = {(r["doc_id"], r["id"]): r for r in hub["numbers"]}
    # palmyra-004 text[963:978] "more than 4,000": a lower bound, "value": null in the gold.
    assert by_id[("palmyra-004", "n3")] == {
        "doc_id": "palmyra-004", "id": "n3", "start": 963, "end": 978,
        "text": "more than 4,000", "kind": "count", "value": None, "low": 4000.0,
        "high": None, "timex": None, "qualifier": "lower_bound", "increment": None,
        "unit": None, "counted": {"start": 979, "end": 997, "text": "IS group militants"},
        "entity": "m42", "event": "ev11", "role": "Attacker", "note": None}
    entity = {(r["doc_id"], r["id"]): r for r in hub["entities"]}[("palmyra-004", "m22")]
    assert entity == {"doc_id": "palmyra-004", "id": "m22", "start": 523, "end": 535,
                      "text": "Talal Barazi", "type": "PER", "level": "NAM", "role": None,
                      "cluster": "E:talal-barazi", "note": None}
    assert TEXTS["palmyra-004"][523:535] == "Talal Barazi"


def test_annotations_rows_are_whole_documents(hub):
    rows = hub["annotations"].to_list()
    assert [r["doc_id"] for r in rows] == list(GOLD)
    assert [_strip(r) for r in rows] == _strip(list(GOLD.values()))


def test_documents_rows_hold_text_metadata_and_zones(hub):
    rows = hub["documents"].to_list()
    assert [r["doc_id"] for r in rows] == [f"palmyra-00{n}" for n in range(5)]
    for row in rows:
        meta = json.loads((ROOT / "corpus" / f"{row['doc_id']}.json").read_text("utf-8"))
        assert row["text"] == TEXTS[row["doc_id"]]
        assert len(row["text"]) == row["length"] == meta["length"]
        assert _strip(row) == _strip({"text": row["text"], **meta})
    assert rows[0]["headline"] is None and rows[0]["zones"][0] == \
        {"type": "kicker", "start": 0, "end": 5}


def test_coreference_rows_are_the_registry_with_every_clustered_mention(hub):
    rows = hub["coreference"].to_list()
    registry = [(layer, c["id"]) for layer in ("entities", "events") for c in CLUSTERS[layer]]
    assert [(r["layer"], r["id"]) for r in rows] == registry
    clustered = sum(1 for doc in GOLD.values() for layer in ("entities", "events")
                    for item in doc[layer] if item.get("cluster"))
    assert sum(len(r["mentions"]) for r in rows) == clustered == 543 + 174
    for row in rows:
        for m in row["mentions"]:
            assert TEXTS[m["doc_id"]][m["start"]:m["end"]] == m["text"]
    by_id = {r["id"]: r for r in rows}
    barazi = by_id["E:talal-barazi"]
    assert (barazi["type"], barazi["name"], barazi["description"]) == \
        ("PER", "Talal Barazi", None)
    assert {"doc_id": "palmyra-004", "id": "m22", "start": 523, "end": 535,
            "text": "Talal Barazi"} in barazi["mentions"]
    event = next(r for r in rows if r["layer"] == "events")
    assert event["name"] is None and event["description"]
    # A cluster spanning documents: the same id in several of them.
    assert len({m["doc_id"] for m in by_id["E:islamic-state"]["mentions"]}) == 5


def _chunks(tags: list[str]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for i, tag in enumerate(tags):
        if tag.startswith("B-"):
            out.append((i, i, tag[2:]))
        elif tag.startswith("I-"):
            first, _, label = out[-1]
            assert label == tag[2:] and out[-1][1] == i - 1, f"ill-formed IOB2 at {i}: {tags}"
            out[-1] = (first, i, label)
    return out


def test_tokens_rows_are_tokens_with_offsets_and_iob2_tags(hub):
    ds = hub["tokens"]
    names = ds.features["ner_tags"].feature.names
    assert names == iob2_labels(["PER", "ORG", "GPE", "LOC", "FAC"])
    assert names[:3] == ["O", "B-PER", "I-PER"]
    first = ds[0]
    # palmyra-000 begins "ISIS\n": the kicker zone, one token, the mention m1 (ORG).
    assert (first["doc_id"], first["sentence"], first["zone"], first["tokens"],
            first["token_starts"], first["token_ends"]) == \
        ("palmyra-000", 0, "kicker", ["ISIS"], [0], [4])
    assert [names[t] for t in first["ner_tags"]] == ["B-ORG"]
    for row in ds:
        text = TEXTS[row["doc_id"]]
        tags = [names[t] for t in row["ner_tags"]]
        assert len(row["tokens"]) == len(row["token_starts"]) == len(tags) > 0
        assert [text[s:e] for s, e in zip(row["token_starts"], row["token_ends"],
                                          strict=True)] == row["tokens"]
        assert (row["start"], row["end"]) == (row["token_starts"][0], row["token_ends"][-1])
        mentions = {(e["start"], e["end"], e["type"]) for e in GOLD[row["doc_id"]]["entities"]}
        for first_token, last_token, label in _chunks(tags):
            # Each chunk is a gold mention of its type, starting in its first token and
            # ending in its last one (a span cutting a token is widened to whole tokens).
            assert any(label == t and row["token_starts"][first_token] <= s
                       < row["token_ends"][first_token]
                       and row["token_starts"][last_token] < e <= row["token_ends"][last_token]
                       for s, e, t in mentions), (row["doc_id"], first_token, label)


def test_tokens_cover_the_annotated_zones_only(hub):
    annotated = load_ontology().annotated_zones
    assert {row["zone"] for row in hub["tokens"]} <= annotated
    assert {row["doc_id"] for row in hub["tokens"]} == set(GOLD)
    sentences = [row["sentence"] for row in hub["tokens"] if row["doc_id"] == "palmyra-001"]
    assert sentences == list(range(len(sentences)))


def _card() -> DatasetCardData:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    yaml_text, _ = split_front_matter(readme)
    assert yaml_text is not None, "README.md has no front matter: run palmyra build"
    return huggingface_hub.DatasetCard(readme).data


def test_readme_front_matter_declares_every_config(hub):
    card = _card()
    configs = MetadataConfigs.from_dataset_card_data(card)
    assert sorted(configs) == sorted(CONFIGS)
    assert configs.get_default_config_name() == "documents"
    assert configs["entities"]["data_files"] == [{"split": "test",
                                                  "path": "data/entities/test.jsonl"}]
    infos = DatasetInfosDict.from_dataset_card_data(card)
    for config in CONFIGS:
        split = infos[config].splits[SPLIT]
        assert infos[config].features == hub[config].features
        assert split.num_examples == hub[config].num_rows
        assert split.num_bytes == hub[config].data.nbytes  # what datasets records
    assert (card.license, card.language, card.size_categories) == ("other", ["en"], ["n<1K"])


def test_replace_front_matter_keeps_the_body():
    body = "# Title\r\n\r\n---\r\ntext after a rule\n"
    with_block = replace_front_matter("---\nold: 1\n---\n" + body, "new: 2\n")
    assert with_block == "---\nnew: 2\n---\n" + body
    assert replace_front_matter(body, "new: 2") == "---\nnew: 2\n---\n" + body
    assert split_front_matter(with_block) == ("new: 2\n", body)
    assert split_front_matter(body) == (None, body)


def test_size_category():
    assert [size_category(n) for n in (0, 999, 1000, 99_999, 2_000_000)] == \
        ["n<1K", "n<1K", "1K<n<10K", "10K<n<100K", "n>1M"]


def test_docs_figures_match_the_data(hub):
    docs = (ROOT / "docs" / "datasets.md").read_text(encoding="utf-8")
    table = docs.split("<!-- hf:rows -->")[1].split("<!-- /hf:rows -->")[0]
    rows = dict(re.findall(r"^\| (\w+)(?: \(default\))? \| (\d+) \|", table, re.M))
    assert {config: int(n) for config, n in rows.items()} == \
        {config: hub[config].num_rows for config in CONFIGS}
    layers = [r["layer"] for r in hub["coreference"]]
    assert f"({layers.count('entities')} entity, {layers.count('events')} event)" in docs
    zones = load_ontology().annotated_zones
    reasons: list[str] = []
    for doc_id, gold in GOLD.items():
        doc = palmyra.corpus.load_document(doc_id)
        mentions = [(e["start"], e["end"], e["type"]) for e in gold["entities"]]
        reasons += [r for _, r in to_iob2(tokenization(doc, zones), mentions).adjustments]
    n = sum(len(d["entities"]) for d in GOLD.values())
    assert f"{reasons.count('nested')} of the {n}\nmentions lie inside" in docs
    assert f"({reasons.count('extended')} mentions, such as" in docs
