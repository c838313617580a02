"""Byte-level damage to every reader's fixture, driven by Hypothesis, and the pieces that keep damage local: the
bounded JSON walk (etl/json_stream.py), record parsing under the limits (etl/json_records.py), bounded head events
(etl/json_head.py) and the depth guard of the ijson readers (etl/json_guard.py)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from hostile import corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.detect import detect_format, iter_source_files
from etl.errors import SourceFormatError
from etl.json_guard import guarded
from etl.json_head import iter_head_events
from etl.json_records import RecordError, json_depth_exceeds, loads_record
from etl.json_stream import iter_document
from etl.limits import take_notes
from etl.readers import FORMATS
from etl.readers.common import read_guarded
from etl.records import Fragment, Reject

FIXTURES = Path(__file__).parents[1] / "fixtures"
_PLAIN = (str, int, float, bool, datetime)


def _one_fixture_per_format() -> dict[str, Path]:
    chosen: dict[str, Path] = {}
    for path in iter_source_files([FIXTURES]):
        if not path.name.endswith((".gz", ".wacz", ".zip", ".tar")) and "!/" not in str(path):
            chosen.setdefault(detect_format(path), path)
    return chosen


PER_FORMAT = _one_fixture_per_format()
_DAMAGE = st.lists(st.tuples(st.floats(0, 1), st.sampled_from([0, 0xFF, 0x22, 0x7B, 0x5D, 0x2C, 0x0A, 0xC3])),
                   min_size=1, max_size=3)  # fmt: skip


def _read_all(fmt: str, path: Path) -> list[Fragment | Reject]:
    """Every item the loader would see; only a SourceFormatError naming the file may stop it."""
    items: list[Fragment | Reject] = []
    try:
        for item in read_guarded(FORMATS[fmt], path):
            items.append(item)
    except SourceFormatError as exc:
        assert str(path) in str(exc) or path.name in str(exc)
    return items


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fmt=st.sampled_from(sorted(PER_FORMAT)), damage=_DAMAGE, cut=st.floats(0.3, 1.0))
def test_every_reader_survives_flipped_bytes_and_cuts(tmp_path: Path, fmt: str, damage: list, cut: float) -> None:
    source = PER_FORMAT[fmt]
    data = bytearray(source.read_bytes())
    for where, value in damage:
        data[min(int(where * len(data)), len(data) - 1)] = value
    data = data[: max(1, int(cut * len(data)))]
    path = tmp_path / source.name
    path.write_bytes(bytes(data))
    for item in _read_all(fmt, path):
        if isinstance(item, Reject):
            assert item.file == str(path) and item.line >= 0 and item.reason
            continue
        for node in item.nodes:
            for value in node.props.values():
                assert value is None or isinstance(value, _PLAIN) or (
                    isinstance(value, list) and all(isinstance(v, _PLAIN) for v in value)), (node.key, value)
    take_notes()


@pytest.fixture(scope="module")
def bases() -> dict[str, corpus.Base]:
    return {"telegram": corpus.telegram(120), "twarc2": corpus.twarc2(2), "v1": corpus.v1_array(40)}


_FORMAT = {"telegram": "telegram", "twarc2": "twarc2", "v1": "twitter-v1"}


def _good(items: list[Fragment | Reject], label: str = "Post") -> int:
    return sum(1 for i in items if isinstance(i, Fragment) for n in i.nodes if n.label == label and not n.placeholder)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["telegram", "twarc2", "v1"]), record=st.integers(0, 10_000),
       byte=st.sampled_from([b"\x00", b"\x01", b"\x1f"]))  # fmt: skip
def test_one_control_byte_costs_exactly_its_record(tmp_path: Path, bases: dict, name: str, record: int,
                                                   byte: bytes) -> None:  # fmt: skip
    base = bases[name]
    record %= base.records
    path = tmp_path / base.name
    path.write_bytes(corpus.put(base.data, base.marks[record], byte))
    items = _read_all(_FORMAT[name], path)
    rejects = [i for i in items if isinstance(i, Reject)]
    assert len(rejects) == 1 and "control character" in rejects[0].reason
    path.write_bytes(base.data)
    assert _good(items) == _good(_read_all(_FORMAT[name], path)) - 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["telegram", "v1"]), record=st.integers(0, 10_000),
       flips=st.lists(st.integers(0, 400), min_size=1, max_size=2))  # fmt: skip
def test_structural_damage_in_a_record_costs_at_most_it_and_the_next(
    tmp_path: Path, bases: dict, name: str, record: int, flips: list[int]
) -> None:
    """Quotes flipped inside one message of a pretty-printed Telegram export or one tweet of a compact v1.1 array
    (the flips may reach the next record's first bytes): the walk picks up again at the next record it can read, so
    every other record loads."""
    base = bases[name]
    record %= base.records - 1
    items = _flipped(tmp_path, bases, record, flips, name)
    assert _good(items) >= base.records - 2


@pytest.mark.parametrize("record, flips", [(100, [172]), (1, [99, 102])])
def test_structural_damage_found_by_hypothesis(tmp_path: Path, bases: dict, record: int, flips: list[int]) -> None:
    """Once known failures: a quote put before a message's `{` (the walk took a nested entity for the next
    message and ended the array), and a message's closing `}` destroyed (the scan ran to the end of the file)."""
    items = _flipped(tmp_path, bases, record, flips)
    assert _good(items) == bases["telegram"].records - 1
    assert len([i for i in items if isinstance(i, Reject)]) == 1


def test_a_message_whose_end_is_damaged_is_rejected_where_it_starts(tmp_path: Path, bases: dict) -> None:
    """The reject of a message whose closing `}` is destroyed names its own first line, and the line where the walk
    picked up again (the next message's)."""
    (reject,) = [i for i in _flipped(tmp_path, bases, 1, [99, 102]) if isinstance(i, Reject)]
    damaged = (tmp_path / bases["telegram"].name).read_bytes()  # a flip there joined two lines
    line_of = [damaged[: damaged.index(b'{\n   "id": %d,' % n)].count(b"\n") + 1 for n in (2, 3)]
    assert (reject.line, reject.unit) == (line_of[0], "line")
    assert reject.reason.endswith(f"its end is damaged: the next element starts at line {line_of[1]}")


def _flipped(tmp_path: Path, bases: dict, record: int, flips: list[int], name: str = "telegram") -> list:
    """The base `name` with quotes flipped at `flips` bytes into record `record`, read whole."""
    base = bases[name]
    data = bytearray(base.data)
    for k in flips:
        at = min(base.marks[record] + k, base.marks[record + 1] - 2)
        data[at] = ord('"') if data[at] != ord('"') else ord("x")
    path = tmp_path / base.name
    path.write_bytes(bytes(data))
    return _read_all(_FORMAT[name], path)


# ------------------------------------------------------------------------------------------------- the pieces


def _walk(doc: bytes) -> list[tuple]:
    return [(kind, prefix, found) for kind, prefix, found in
            iter_document(io.BytesIO(doc), "t", descend=frozenset({""}), targets=frozenset({"items"}))]  # fmt: skip


def test_the_walk_skips_a_deep_element_without_building_it() -> None:
    doc = b'{"items": [1, ' + b"[" * 200_000 + b"]" * 200_000 + b', {"a": 2}]}'
    elements = [f for kind, _, f in _walk(doc) if kind == "element"]
    assert [(e.value, e.error) for e in elements] == [
        (1, None), (None, "nested deeper than 256 levels (SWARMGRAPH_MAX_DEPTH)"), ({"a": 2}, None)]


def test_the_walk_gives_lines_and_offsets() -> None:
    doc = json.dumps({"x": 1, "items": [{"a": 1}, {"a": 2}]}, indent=1).encode()
    elements = [f for kind, _, f in _walk(doc) if kind == "element"]
    assert [(e.line, doc[e.offset : e.offset + 1]) for e in elements] == [(4, b"{"), (7, b"{")]


def test_damage_outside_the_records_ends_the_walk_with_its_position() -> None:
    events = _walk(b'{"x": tru, "items": [1]}')
    assert events[-1][0] == "damaged" and "not JSON here" in events[-1][2].error


@given(st.binary(max_size=300))
def test_head_events_never_fail(head: bytes) -> None:
    assert len(list(iter_head_events(head))) <= 20_000


def test_head_events_stop_at_the_depth_limit() -> None:
    events = list(iter_head_events(b"[" * 100_000))
    assert len(events) == 256


def test_records_beyond_the_limits() -> None:
    assert loads_record(b'{"n": ' + b"9" * 500 + b', "m": 1e400, "t": "a\xffb"}', "f", line=3) == {
        "n": None, "m": None, "t": "a\ufffdb"}  # fmt: skip
    notes = take_notes()
    assert len(notes) == 3 and all(n.startswith("f:3: ") for n in notes)
    with pytest.raises(RecordError, match="nested deeper than 256"):
        loads_record(b"[" * 300 + b"]" * 300)
    with pytest.raises(RecordError, match="control character"):
        loads_record(b'{"t": "a\x00b"}')
    assert not json_depth_exceeds(b'["' + b"[" * 500 + b'"]', 256)  # brackets in a string are text


def test_the_depth_guard_stops_ijson_readers_at_the_limit() -> None:
    fh = guarded(io.BytesIO(b'{"a": "[[[[", "b": ' + b"[" * 300), "deep.json")
    with pytest.raises(SourceFormatError, match=r"deep.json: nested deeper than 256 levels at byte 274"):
        fh.read()
