"""Hostile records through the real command (tests/hostile/corpus.py makes them from the real fixtures): one damage
at a time (a NUL or a flipped byte inside and beyond the sniffed head, a 500-digit number, `1e400`, a value nested
100,000 levels deep, a 50 MB line, a cut, CRLF, duplicate keys and CSV columns) and a directory holding files that
cannot be read. Each run asserts the exit code, the message, what was rejected (file, line, reason), how many good
records loaded, no traceback and a peak RSS under 300 MB (tests/hostile/run.py). Dry runs unless the database is
what is checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile import corpus
from hostile.run import Run, dry_run, rejects_of, swarmgraph

from graphdb.db import Database

BASES = {"telegram": corpus.telegram, "twarc2": corpus.twarc2, "v1-array": corpus.v1_array, "csv": corpus.fanboy_csv}
HEAD = 64 * 1024


@pytest.fixture(scope="module")
def bases() -> dict[str, corpus.Base]:
    return {name: make() for name, make in BASES.items()}


@pytest.fixture(scope="module")
def clean(bases: dict[str, corpus.Base], tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, int]]:
    """records and rejects of each clean base: what every damage is measured against."""
    out = {}
    for name, base in bases.items():
        tmp = tmp_path_factory.mktemp(name)
        (tmp / base.name).write_bytes(base.data)
        res = dry_run(tmp, tmp / base.name)
        assert res.code == 0, res.stderr
        out[name] = (int(res.summary["records"]), int(res.summary["rejected"]))  # type: ignore[call-overload]
    return out


def _load(tmp_path: Path, name: str, data: bytes, *args: str, env: dict[str, str] | None = None) -> tuple:
    path = tmp_path / name
    path.write_bytes(data)
    res = dry_run(tmp_path, path, *map(Path, args), env=env)
    return res, path


def _record_of(base: corpus.Base, where: str) -> int:
    """A record inside the sniffed head ("head") or the first one wholly beyond it ("tail")."""
    if where == "head":
        return 1
    return next(i for i, mark in enumerate(base.marks) if mark > HEAD + 1024)


def test_the_clean_bases_load_whole(bases: dict[str, corpus.Base], clean: dict[str, tuple[int, int]]) -> None:
    assert clean["telegram"] == (bases["telegram"].records + 1, 0)  # the posts and the chat's account
    assert clean["v1-array"] == (bases["v1-array"].records, 0)
    assert clean["twarc2"][1] == 0 and clean["twarc2"][0] >= bases["twarc2"].records
    assert clean["csv"][0] == bases["csv"].records and clean["csv"][1] == 80  # the fixture's own bad rows
    assert len(bases["telegram"].data) > 2 * HEAD and len(bases["twarc2"].data) > 2 * HEAD


# ------------------------------------------------------------------------------------- one damaged JSON record


@pytest.mark.parametrize("where", ["head", "tail"])
@pytest.mark.parametrize("name", ["telegram", "twarc2", "v1-array"])
def test_a_nul_costs_its_record_only(tmp_path: Path, bases: dict, clean: dict, name: str, where: str) -> None:
    base = bases[name]
    record = _record_of(base, where)
    res, path = _load(tmp_path, base.name, corpus.nul(base, record))
    assert res.code == 0, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == (clean[name][0] - 1, 1)
    (reject,) = rejects_of(tmp_path)
    assert reject["file"] == str(path) and "control character" in str(reject["reason"])
    mark_line = base.data[: base.marks[record]].count(b"\n") + 1
    assert mark_line - 25 < int(reject["line"]) <= mark_line  # type: ignore[call-overload]  # where it starts
    if name == "telegram":
        assert str(reject["reason"]).startswith(f"message #{record + 1} of telegram:user5965280513 (byte ")
    if name == "twarc2":
        assert f"tweet #{record % 100 + 1} of the page" in str(reject["reason"])  # its 99 siblings load
    if name == "v1-array":
        assert f"tweet #{record + 1} (byte " in str(reject["reason"])


@pytest.mark.parametrize("damage", ["ff", "big-int", "inf"])
@pytest.mark.parametrize("name", ["telegram", "twarc2", "v1-array"])
def test_a_bad_byte_or_number_is_kept_with_a_warning(tmp_path: Path, bases: dict, clean: dict, name: str,
                                                     damage: str) -> None:  # fmt: skip
    base = bases[name]
    record = _record_of(base, "tail")
    data = {"ff": lambda: corpus.bad_utf8(base, record), "big-int": lambda: corpus.number_in(base, record, b"9" * 500),
            "inf": lambda: corpus.number_in(base, record, b"1e400")}[damage]()  # fmt: skip
    res, _ = _load(tmp_path, base.name, data)
    assert res.code == 0, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == clean[name]
    assert res.summary["files"][0]["warnings"] >= 1  # type: ignore[index]


@pytest.mark.parametrize("name", ["telegram", "twarc2", "v1-array"])
def test_a_value_nested_100000_deep_is_one_reject(tmp_path: Path, bases: dict, clean: dict, name: str) -> None:
    base = bases[name]
    res, path = _load(tmp_path, base.name, corpus.deep_in(base, len(base.marks) // 2))
    assert res.code == 0, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == (clean[name][0] - 1, 1)
    (reject,) = rejects_of(tmp_path)
    assert reject["file"] == str(path) and "nested deeper than 256 levels" in str(reject["reason"])


def test_a_document_nested_100000_deep(tmp_path: Path) -> None:
    res, path = _load(tmp_path, "deep.json", corpus.deep_document())
    assert res.code == 1 and res.stdout == ""
    assert res.stderr.startswith(f"Error: {path.name}: no known format matches") or "no known format" in res.stderr
    forced = swarmgraph(tmp_path, "load", "--dry-run", "--json", "--format", "twitter-v1", "--rejects",
                        str(tmp_path / "rejects.jsonl"), str(path))  # fmt: skip
    assert forced.code == 0, forced.stderr
    assert (forced.summary["records"], forced.summary["rejected"]) == (0, 1)
    assert "nested deeper than 256 levels" in str(rejects_of(tmp_path)[0]["reason"])


def test_the_depth_limit_is_overridable(tmp_path: Path, bases: dict, clean: dict) -> None:
    base = bases["telegram"]
    res, _ = _load(tmp_path, base.name, corpus.deep_in(base, 3, depth=40), env={"SWARMGRAPH_MAX_DEPTH": "32"})
    assert (res.code, res.summary["rejected"]) == (0, 1)
    assert "nested deeper than 32 levels (SWARMGRAPH_MAX_DEPTH)" in str(rejects_of(tmp_path)[0]["reason"])
    bad = swarmgraph(tmp_path, "load", "--dry-run", str(tmp_path / base.name), env={"SWARMGRAPH_MAX_DEPTH": "x"})
    assert bad.code == 1 and "SWARMGRAPH_MAX_DEPTH='x': a positive whole number is needed" in bad.stderr


def test_a_50_mb_line_is_skipped_unread(tmp_path: Path, bases: dict, clean: dict) -> None:
    base = bases["twarc2"]
    first, rest = base.data.split(b"\n", 1)
    huge = first.replace(b'"tweet 00000"', b'"' + b"x" * (50 << 20) + b'"')
    res, path = _load(tmp_path, base.name, first + b"\n" + huge + b"\n" + rest)
    assert res.code == 0, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == (clean["twarc2"][0], 1)
    (reject,) = rejects_of(tmp_path)
    assert (reject["file"], reject["line"]) == (str(path), 2)
    assert reject["reason"] == "a line longer than 16,777,216 bytes (SWARMGRAPH_MAX_RECORD_BYTES) is skipped"


def test_a_50_mb_telegram_message_is_rejected_and_the_rest_loads(tmp_path: Path, bases: dict, clean: dict) -> None:
    base = bases["telegram"]
    data = corpus.put(base.data, base.marks[5], b"x" * (50 << 20))
    res, _ = _load(tmp_path, base.name, data)
    assert res.code == 0, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == (clean["telegram"][0] - 1, 1)
    assert "larger than 16,777,216 bytes" in str(rejects_of(tmp_path)[0]["reason"])


@pytest.mark.parametrize("name", ["telegram", "twarc2", "v1-array", "csv"])
def test_crlf_line_ends_change_nothing(tmp_path: Path, bases: dict, clean: dict, name: str) -> None:
    res, _ = _load(tmp_path, bases[name].name, corpus.crlf(bases[name]))
    assert res.code == 0, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == clean[name]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_telegram_export_cut_anywhere_keeps_the_messages_before(tmp_path: Path, bases: dict, seed: int) -> None:
    base = bases["telegram"]
    for n, at in enumerate(corpus.random_offsets(base, 2, seed)):
        case = tmp_path / str(n)
        case.mkdir()
        res, path = _load(case, base.name, corpus.cut(base, at))
        ends = [base.data.index(b"\n  }", mark) + 4 for mark in base.marks]
        whole = sum(1 for end in ends if end <= at)
        assert res.code == 0, res.stderr
        assert (res.summary["records"], res.summary["rejected"]) == (1 + whole, 1), at
        (reject,) = rejects_of(case)
        assert reject["file"] == str(path) and "truncated" in str(reject["reason"])


@pytest.mark.parametrize("name", ["twarc2", "v1-array"])
def test_tweets_cut_anywhere_keep_the_tweets_before(tmp_path: Path, bases: dict, clean: dict, name: str) -> None:
    base = bases[name]
    for n, at in enumerate(corpus.random_offsets(base, 3, 7)):
        case = tmp_path / str(n)
        case.mkdir()
        res, _ = _load(case, base.name, corpus.cut(base, at))
        before = sum(1 for mark in base.marks if mark < at)
        assert res.code == 0, res.stderr
        assert before - 1 <= res.summary["records"] <= clean[name][0] * before / base.records + 1, at
        assert res.summary["rejected"] >= 1


def test_duplicate_json_keys_take_the_last_value(tmp_path: Path, bases: dict, clean: dict) -> None:
    base = bases["v1-array"]
    data = base.data.replace(b'"id_str":', b'"id_str": "1", "id_str":', 1)
    res, _ = _load(tmp_path, base.name, data)
    assert res.code == 0, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == clean["v1-array"]


# ------------------------------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("where", ["head", "tail"])
@pytest.mark.parametrize("damage", ["nul", "ff"])
def test_csv_nul_and_bad_utf8_are_cleaned_with_a_warning(tmp_path: Path, bases: dict, clean: dict, damage: str,
                                                        where: str) -> None:  # fmt: skip
    base = bases["csv"]
    record = 1 if where == "head" else len(base.marks) - 2
    data = (corpus.nul if damage == "nul" else corpus.bad_utf8)(base, record)
    res, _ = _load(tmp_path, base.name, data)
    assert res.code == 0, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == clean["csv"]
    assert res.summary["files"][0]["warnings"] == 1  # type: ignore[index]


def test_a_csv_cut_in_its_last_row_rejects_that_row(tmp_path: Path, bases: dict, clean: dict) -> None:
    base = bases["csv"]
    res, path = _load(tmp_path, base.name, corpus.cut(base, base.marks[-1] + 40))
    assert res.code == 0, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == (clean["csv"][0] - 1, clean["csv"][1] + 1)
    last = rejects_of(tmp_path)[-1]
    assert last["file"] == str(path) and last["line"] == base.data.count(b"\n")
    assert last["reason"] == "the last row is cut short (fewer cells than the header, no final newline)"


def test_a_csv_naming_a_column_twice_is_refused(tmp_path: Path, bases: dict) -> None:
    base = bases["csv"]
    res, path = _load(tmp_path, base.name, corpus.column_twice(base, "username"))
    assert res.code == 1 and res.stdout == ""
    assert f"Error: {path}: the header names 'username' more than once" in res.stderr.replace("\n", "")


# ------------------------------------------------------------------------------------------------ directories


@pytest.mark.parametrize("loader", ["online", "bulk"])
def test_unreadable_files_in_a_directory_are_reported_and_the_rest_loads(tmp_path: Path, bases: dict, clean: dict,
                                                                         loader: str) -> None:  # fmt: skip
    case = tmp_path / "case"
    case.mkdir()
    (case / bases["telegram"].name).write_bytes(bases["telegram"].data)
    (case / "binary.json").write_bytes(bytes(range(256)) * 64)
    (case / "twice.csv").write_bytes(corpus.column_twice(bases["csv"], "username"))
    (case / "folder.json").mkdir()
    (case / "loop").symlink_to(case)
    res = _dry_run(tmp_path, loader, case)
    assert res.code == 1
    assert (res.summary["records"], res.summary["rejected"]) == clean["telegram"]
    assert [f["path"] for f in res.summary["files"]] == [str(case / "result.json")]  # type: ignore[union-attr, index]
    failed = res.summary["failed"]
    assert isinstance(failed, list) and len(failed) == 2
    assert failed[0].startswith(f"{case / 'binary.json'}: a binary file")
    assert failed[1].startswith(f"{case / 'twice.csv'}: the header names 'username' more than once")
    assert "binary.json: a binary file" in res.stderr and "twice.csv: the header names" in res.stderr


@pytest.mark.parametrize("loader", ["online", "bulk"])
def test_a_file_its_reader_gives_up_on_is_reported_and_the_rest_loads(tmp_path: Path, bases: dict, clean: dict,
                                                                      loader: str) -> None:  # fmt: skip
    """Formats forced with --format: the CSV reaches the Telegram reader, which stops on it (in a parse worker
    for the bulk loader); nothing of it is loaded, the export is, and the exit code says one file failed."""
    case = tmp_path / "case"
    case.mkdir()
    (case / bases["telegram"].name).write_bytes(bases["telegram"].data)
    (case / "rows.csv").write_bytes(bases["csv"].data)
    res = _dry_run(tmp_path, loader, case, "--format", "telegram")
    assert res.code == 1, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == clean["telegram"]
    assert [f["path"] for f in res.summary["files"]] == [str(case / "result.json")]  # type: ignore[union-attr, index]
    (failed,) = res.summary["failed"]  # type: ignore[misc]
    assert failed.startswith(f"{case / 'rows.csv'}: ") and "Traceback" not in res.stderr
    alone = _dry_run(tmp_path, loader, case / "rows.csv", "--format", "telegram")
    assert alone.code == 1 and alone.stdout == "" and f"Error: {case / 'rows.csv'}: " in alone.stderr


def _dry_run(tmp_path: Path, loader: str, *args: Path | str) -> Run:
    if loader == "online":
        return dry_run(tmp_path, *map(Path, args))
    return swarmgraph(tmp_path, "load", "--bulk", "--dry-run", "--json", "--rejects", str(tmp_path / "rejects.jsonl"),
                      *map(str, args))  # fmt: skip


# --------------------------------------------------------------------------------------------------- online


@pytest.mark.neo4j
def test_an_online_load_of_a_damaged_export(db: Database, neo4j_home: Path, tmp_path: Path, bases: dict) -> None:
    base = bases["telegram"]
    tail = _record_of(base, "tail")
    data = corpus.nul(base, tail)
    long_text = b"y" * 1_200_000
    data = corpus.put(data, base.marks[2], long_text)  # a text past SWARMGRAPH_MAX_TEXT_CHARS: cut and flagged
    path = tmp_path / base.name
    path.write_bytes(data)
    res = swarmgraph(tmp_path, "load", "--json", "--rejects", str(tmp_path / "rejects.jsonl"), str(path),
                     env={"SWARMGRAPH_HOME": str(neo4j_home)})  # fmt: skip
    assert res.code == 0, res.stderr
    assert res.summary["rejected"] == 1 and res.summary["files"][0]["warnings"] >= 1  # type: ignore[index]
    _, rows = db.read("MATCH (p:Post) RETURN count(p) AS n")
    assert rows[0]["n"] == base.records - 1
    _, rows = db.read("MATCH (p:Post {uid: 'telegram:user5965280513/3'}) "
                      "RETURN size(p.text) AS n, p.text_truncated AS cut")  # fmt: skip
    assert rows == [{"n": 1_000_000, "cut": True}]
    (reject,) = rejects_of(tmp_path)
    assert json.dumps(reject).count(f"message #{tail + 1} ") == 1
