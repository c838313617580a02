"""The bulk loader's staging: merge rules (the online writer's, order-independent across modes), bucket spills and
the importer's CSV text. The importer itself reads these files in tests/integration/test_bulk.py."""

from __future__ import annotations

import csv
import pickle
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from etl.records import Node, NodeRef, Rel
from etl.staging import (
    ARRAY_DELIMITER,
    MergeTask,
    ParseTask,
    _spill,
    bucket_count,
    bucket_of,
    csv_type,
    field_text,
    join_parts,
    merge_bucket,
    parse_file,
    spill_path,
)
from etl.writer import FULL, REF, Batch


def _batch(*nodes: Node, rels: tuple[Rel, ...] = ()) -> Batch:
    b = Batch()
    b.extend(nodes, rels)
    return b


FULL_POST = Node("Post", "twitter:1", {"text": "the record", "lang": "en"})
PLACEHOLDER_POST = Node("Post", "twitter:1", {"unavailable": "Not Found Error", "lang": "und"}, placeholder=True)


@pytest.mark.parametrize("order", [(FULL_POST, PLACEHOLDER_POST), (PLACEHOLDER_POST, FULL_POST)])
def test_a_full_record_beats_a_placeholder_in_either_order(order: tuple[Node, Node]) -> None:
    row = _batch(*order).nodes["Post"]["twitter:1"]
    assert row.mode == FULL
    # the record's values win; the placeholder only adds what the record lacks
    assert row.props == {"text": "the record", "lang": "en", "unavailable": "Not Found Error"}


def test_placeholders_fill_gaps_and_special_rules_hold_across_modes() -> None:
    t1, t2 = datetime(2015, 1, 1, tzinfo=UTC), datetime(2015, 2, 1, tzinfo=UTC)
    row = _batch(
        Node("Url", "https://a.example/x", {"first_seen": t2, "raw_forms": ["b", "a"], "domain": "a.example"}),
        Node("Url", "https://a.example/x", {"first_seen": t1, "raw_forms": ["c"], "domain": "other"}, placeholder=True),
    ).nodes["Url"]["https://a.example/x"]
    assert row.props == {"first_seen": t1, "raw_forms": ["a", "b", "c"], "domain": "a.example"}
    # a first assertion's union list is already a sorted set, as every merge leaves it
    alone = _batch(Node("Url", "u", {"raw_forms": ["z", "a", "z"]})).nodes["Url"]["u"]
    assert alone.props["raw_forms"] == ["a", "z"]


def test_a_bare_reference_adds_no_properties() -> None:
    rel = Rel("POSTED", NodeRef("Account", "twitter:9"), NodeRef("Post", "twitter:1"))
    b = _batch(FULL_POST, rels=(rel,))
    assert b.nodes["Account"]["twitter:9"].mode == REF and b.nodes["Account"]["twitter:9"].props == {}
    assert b.nodes["Post"]["twitter:1"].mode == FULL


def test_buckets_grow_with_the_input_and_keys_hash_stably() -> None:
    assert bucket_count(0) == 2 and bucket_count(10 << 30) > 100
    assert bucket_of("twitter:1", 7) == bucket_of("twitter:1", 7)
    assert {bucket_of(f"twitter:{i}", 4) for i in range(100)} == {0, 1, 2, 3}


def _spilled_keys(spill: Path, bucket: int, index: int) -> tuple[set[str], set[str]]:
    """The node keys and relationship start keys one file's spill of one bucket holds."""
    nodes: set[str] = set()
    starts: set[str] = set()
    path = spill_path(spill, bucket, index)
    if not path.is_file():
        return nodes, starts
    with open(path, "rb") as fh:
        while True:
            try:
                node_rows, rel_rows = pickle.load(fh)
            except EOFError:
                return nodes, starts
            nodes |= {row[1] for row in node_rows}
            starts |= {row[3] for row in rel_rows}


def test_spills_put_a_key_in_the_same_bucket_whichever_file_it_comes_from(tmp_path: Path) -> None:
    """What the merge relies on: every assertion of a node (or a relationship) is in one bucket, bucket_of's."""
    accounts = [f"twitter:{i}" for i in range(60)]
    first = _batch(*(Node("Account", a, {"handle": f"h{a}"}) for a in accounts),
                   rels=tuple(Rel("POSTED", NodeRef("Account", a), NodeRef("Post", f"{a}/1")) for a in accounts))
    second = _batch(*(Node("Account", a, {"name": "n"}) for a in reversed(accounts)))  # fmt: skip
    spill = tmp_path / "spill"
    for index, batch in enumerate([first, second]):
        handles: dict = {}
        _spill(batch, ParseTask(index, tmp_path / f"f{index}", "twarc2", spill, 4, 1000, False), handles)
        for fh in handles.values():
            fh.close()
    seen: set[str] = set()
    for bucket in range(4):
        nodes0, starts0 = _spilled_keys(spill, bucket, 0)
        nodes1, _ = _spilled_keys(spill, bucket, 1)
        accounts_here = {k for k in nodes0 if k in accounts}
        assert accounts_here and accounts_here == nodes1  # both files put each account in the same bucket
        assert all(bucket_of(k, 4) == bucket for k in nodes0 | nodes1 | starts0)
        assert starts0 == accounts_here  # a relationship goes with its start node
        seen |= nodes1
    assert seen == set(accounts)


def _spill_runs(tmp_path: Path, runs: list[Batch]) -> Path:
    spill = tmp_path / "spill"
    for index, batch in enumerate(runs):
        task = ParseTask(index, tmp_path / f"f{index}", "twarc2", spill, 1, 1000, False)
        handles: dict = {}
        _spill(batch, task, handles)
        for fh in handles.values():
            fh.close()
    return spill


def test_merge_replays_files_in_order_and_lists_every_run(tmp_path: Path) -> None:
    first = _batch(PLACEHOLDER_POST, Node("Account", "twitter:9", {"handle": "old"}),
                   rels=(Rel("POSTED", NodeRef("Account", "twitter:9"), NodeRef("Post", "twitter:1")),))  # fmt: skip
    second = _batch(FULL_POST, Node("Account", "twitter:9", {"handle": "new"}))
    spill = _spill_runs(tmp_path, [first, second])
    assert spill_path(spill, 0, 0).is_file() and spill_path(spill, 0, 1).is_file()
    res = merge_bucket(MergeTask(0, spill, tmp_path / "csv", ["run:a", "run:b"]))
    rows = {}
    for f in join_parts(res.files, tmp_path / "joined"):
        with open(f.path, newline="", encoding="utf-8") as fh:
            rows[(f.kind, f.name)] = list(csv.DictReader(fh))
    (post,) = rows[("nodes", "Post")]
    assert post["uid:ID(Post)"] == "twitter:1" and post["text:string"] == "the record"
    assert post["unavailable:string"] == "Not Found Error" and post["lang:string"] == "en"
    assert post["runs:string[]"] == f"run:a{ARRAY_DELIMITER}run:b"
    assert "placeholder:boolean" not in post  # the full record cleared the flag
    (account,) = rows[("nodes", "Account")]
    assert account["handle:string"] == "new"  # the later full record wins
    (posted,) = rows[("relationships", "POSTED")]
    assert posted[":START_ID(Account)"] == "twitter:9" and posted["runs:string[]"] == "run:a"
    assert res.fixups == []


def test_mixed_types_get_their_own_sheet_and_odd_values_become_fixups(tmp_path: Path) -> None:
    batch = _batch(
        Node("Video", "video:1", {"duration": 12}),
        Node("Video", "video:2", {"duration": 12.5}),
        Node("Post", "twitter:1", {"media_keys": [], "text": "nul\x00byte", "cashtags": ["a" + ARRAY_DELIMITER]}),
        Node("Post", "twitter:2", {"like_count": 1 << 70, "reactions": float("nan")}),
    )
    spill = _spill_runs(tmp_path, [batch])
    res = merge_bucket(MergeTask(0, spill, tmp_path / "csv", ["run:a"]))
    videos = [f for f in res.files if f.name == "Video"]
    assert len(videos) == 2  # duration as long in one sheet, double in the other
    headers = sorted(f.header for f in videos)
    assert headers == ["uid:ID(Video),duration:double,runs:string[]", "uid:ID(Video),duration:long,runs:string[]"]
    fixups = {fx[2]: fx[3] for fx in res.fixups}
    assert fixups["twitter:1"] == {"media_keys": [], "text": "nul\x00byte", "cashtags": ["a" + ARRAY_DELIMITER]}
    assert set(fixups["twitter:2"]) == {"reactions"}  # NaN; the 70-bit count is left out (Neo4j has 64-bit ints)


def test_field_text_and_column_types() -> None:
    assert field_text(["a", 'b"c'], "string[]") == f'a{ARRAY_DELIMITER}b"c'
    assert field_text(True, "boolean") == "true" and field_text(3, "long") == "3"
    assert float(field_text(0.1, "double")) == 0.1
    assert csv_type(True) == "boolean" and csv_type(["x"]) == "string[]" and csv_type([1, "x"]) is None
    # an empty string would read back as no property: it takes the fix-up path, like NUL and huge numbers
    assert csv_type("") is None and csv_type("a\x00") is None and csv_type(1 << 64) is None
    assert csv_type(float("inf")) is None and csv_type([]) is None and csv_type([True, False]) == "boolean[]"


def test_parts_with_one_header_are_joined_into_one_importer_input(tmp_path: Path) -> None:
    other = next(f"twitter:{i}" for i in range(2, 100) if bucket_of(f"twitter:{i}", 2) != bucket_of("twitter:1", 2))
    batch = _batch(Node("Post", "twitter:1", {"text": 'say "hi",\nthen go'}), Node("Post", other, {"text": "x"}))
    spill = tmp_path / "spill"
    handles: dict = {}
    _spill(batch, ParseTask(0, tmp_path / "f", "twarc2", spill, 2, 1000, False), handles)
    for fh in handles.values():
        fh.close()
    parts = [f for b in range(2) for f in merge_bucket(MergeTask(b, spill, tmp_path / "csv", ["run:a"])).files]
    assert len(parts) == 2  # one part per bucket, with the same header
    (joined,) = join_parts(parts, tmp_path / "joined")
    assert joined.rows == 2 and not any(p.path.exists() for p in parts)
    with open(joined.path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["uid:ID(Post)", "text:string", "runs:string[]"]
    assert sorted(rows[1:]) == sorted([["twitter:1", 'say "hi",\nthen go', "run:a"], [other, "x", "run:a"]])
    assert '"say ""hi"",\nthen go"' in joined.path.read_text()  # quoted, quotes doubled, newline kept


def test_datetimes_are_written_in_utc_truncated_to_milliseconds_as_the_online_writer_stores_them() -> None:
    t = datetime(2015, 11, 14, 12, 30, 5, 123987, tzinfo=timezone(timedelta(hours=3)))
    assert field_text(t, "datetime") == "2015-11-14T09:30:05.123Z"
    assert field_text(datetime(2015, 11, 14, 9, 30), "datetime") == "2015-11-14T09:30:00.000Z"  # naive = UTC


def test_spill_files_are_plain_pickles_of_rows(tmp_path: Path) -> None:
    spill = _spill_runs(tmp_path, [_batch(FULL_POST)])
    with open(spill_path(spill, 0, 0), "rb") as fh:
        nodes, rels = pickle.load(fh)
    assert nodes == [("Post", "twitter:1", FULL, {"text": "the record", "lang": "en"})] and rels == []


def test_the_online_writer_leaves_out_integers_neo4j_cannot_store() -> None:
    from etl.writer import _encode, _Shape

    assert _encode({"like_count": 1 << 70, "reply_count": 3}, _Shape())["p"] == {"reply_count": 3}


def test_many_buckets_spill_the_same_rows_with_files_opened_per_write(tmp_path: Path, monkeypatch) -> None:
    import etl.staging

    fixture = Path(__file__).parent.parent / "fixtures" / "twarc-csv" / "two_tweets.jsonl"

    def staged(name: str) -> list[list[str]]:
        spill = tmp_path / name / "spill"
        spill.mkdir(parents=True)
        res = parse_file(ParseTask(0, fixture, "twarc2", spill, 4, 3, False))  # several chunks: appends
        assert res.records > 0 and res.rejected == 0
        parts = [f for b in range(4) for f in merge_bucket(MergeTask(b, spill, tmp_path / name / "csv", ["r"])).files]
        rows = []
        for f in join_parts(parts, tmp_path / name / "joined"):
            rows += [f"{f.name}|{line}" for line in f.path.read_text().splitlines()]
        return sorted(rows)

    kept_open = staged("open")
    monkeypatch.setattr(etl.staging, "MAX_OPEN_SPILLS", 1)
    assert staged("per-write") == kept_open
