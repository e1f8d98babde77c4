"""The corpus: seed files byte-identical to the received seeds and to their pinned checksums;
corpus texts equal to their seeds and to the metadata checksum; zones partition each text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from palmyra.corpus import CorpusError, load_corpus, load_document
from palmyra.ontology import load_ontology
from palmyra.paths import corpus_dir
from palmyra.validate import validate_corpus

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"

# sha256 of the seed files as received; a change here is a change of the corpus itself.
PINNED = {
    "000_ed76a65fe72c34d8.txt": "b014741ffe87b6877adeb2601893b535148de75e2e528650d25d234f9f86dcba",
    "001_6708216701232fe5.txt": "322ae4ff03dd26ebbad56f0a43eec3b09599a1f03521e20c7e93734095588b9c",
    "002_16c2cae6a665d118.txt": "27f19e76f912b4550e13e66645153a1138e7fc0691f4ddafc6f17942519424e0",
    "003_4bcda67e899bb960.txt": "40aeb3537fe38c1d4eaeca032c2505282ecb881783e66dddfe95a9d9a1c012d0",
    "004_5ba73c270edb9364.txt": "e15af6de3ccd405e95153a40a15a9152ecea3b18042b4687cc55ee0b071c25cc",
}
DOC_IDS = [f"palmyra-00{n}" for n in range(5)]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _metadata(doc_id: str) -> dict:
    return json.loads((corpus_dir() / f"{doc_id}.json").read_text(encoding="utf-8"))


def test_seeds_have_the_pinned_checksums():
    assert {p.name: _sha256(p) for p in SEEDS.iterdir()} == PINNED


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="../shared/seeds is not beside the checkout")
def test_seeds_are_byte_identical_to_the_received_seeds():
    assert sorted(p.name for p in SHARED_SEEDS.iterdir()) == sorted(PINNED)
    for name in PINNED:
        assert (SEEDS / name).read_bytes() == (SHARED_SEEDS / name).read_bytes(), name


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_corpus_text_is_its_seed_and_matches_the_metadata(doc_id):
    meta = _metadata(doc_id)
    raw = (corpus_dir() / f"{doc_id}.txt").read_bytes()
    seed = ROOT / meta["seed_file"]
    assert seed.parent == SEEDS and seed.name == f"00{doc_id[-1]}_{seed.name[4:]}"
    assert raw == seed.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == meta["sha256"] == PINNED[seed.name]
    assert meta["length"] == len(raw.decode("utf-8"))
    assert meta["doc_id"] == doc_id


def test_load_corpus_reads_every_document_unchanged():
    docs = load_corpus()
    assert sorted(docs) == DOC_IDS
    for doc_id, doc in docs.items():
        assert doc.sha256 == _metadata(doc_id)["sha256"]
        assert doc.text == (corpus_dir() / f"{doc_id}.txt").read_bytes().decode("utf-8")


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_zones_partition_the_text_with_known_types(doc_id):
    doc = load_document(doc_id)
    known = set(load_ontology().zone_types)
    assert doc.zones[0].start == 0 and doc.zones[-1].end == len(doc.text)
    for before, after in zip(doc.zones, doc.zones[1:], strict=False):
        assert before.end == after.start
    assert all(z.start < z.end and z.type in known for z in doc.zones)


def test_the_validator_finds_the_corpus_consistent():
    assert validate_corpus() == []


def test_the_validator_finds_a_tampered_copy(tmp_path):
    for path in corpus_dir().iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    text = tmp_path / "palmyra-002.txt"
    text.write_bytes(text.read_bytes().replace(b"ISIS", b"IS", 1))  # 2 characters shorter
    meta_path = tmp_path / "palmyra-003.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["doc_id"] = "palmyra-3"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    sha = hashlib.sha256(text.read_bytes()).hexdigest()
    assert [str(p) for p in validate_corpus(tmp_path)] == [
        f"{tmp_path}/palmyra-002.json:$.length: expected 2750 (characters in the text), "
        "found 2752",
        f"{tmp_path}/palmyra-002.json:$.sha256: expected {sha} (sha256 of palmyra-002.txt), "
        f'found "{PINNED["002_16c2cae6a665d118.txt"]}"',
        f"{tmp_path}/palmyra-002.json:$.zones[3].end: expected 2750 (the length of the text), "
        "found 2752",
        f"{tmp_path}/palmyra-003.json:$.doc_id: expected 'palmyra-003' (the file name), "
        "found 'palmyra-3'"]


def test_zones_of_palmyra_004_by_hand():
    doc = load_document("palmyra-004")
    assert [(z.type, z.start, z.end) for z in doc.zones] == [
        ("boilerplate", 0, 22), ("headline", 22, 83), ("credit", 83, 105),
        ("caption", 105, 239), ("body", 239, 2638), ("boilerplate", 2638, 2723)]
    assert doc.text[22:83] == "IS group retakes control of Palmyra, Homs governor confirms\n\n"
    assert doc.text[514:535] == "Governor Talal Barazi"
    assert doc.zone_at(520).type == "body"
    assert doc.zone_at(0).type == "boilerplate"


def test_malformed_zones_are_a_corpus_error_not_a_crash(tmp_path):
    (tmp_path / "x.txt").write_text("Some text.", encoding="utf-8")
    (tmp_path / "x.json").write_text(json.dumps({"doc_id": "x", "zones": [{"type": "body"}]}),
                                     encoding="utf-8")
    with pytest.raises(CorpusError, match=r"\$\.zones: expected a list of objects"):
        load_document("x", tmp_path)


def test_an_unknown_document_of_the_corpus():
    from palmyra.validate import Validator

    [problem] = Validator().corpus(["palmyra-009"])
    assert str(problem) == (f"{corpus_dir()}:$: unknown doc_id 'palmyra-009': no "
                            f"palmyra-009.json in {corpus_dir()}")
