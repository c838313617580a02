"""Hostile containers through the real command, each in its own process with its peak memory read back: UTF-16,
compressed and archived fixtures, zip and gzip bombs, many members, climbing member names, a symlink loop and a
folder named like a data file. Exit code, message, what was rejected and how many good records loaded; never a
traceback; under 300 MB of peak RSS per process. Dry runs (no database) except the idempotent archive re-load."""

from __future__ import annotations

import gzip
import tarfile
import zipfile
from pathlib import Path

import pytest
from hostile.run import dry_run, rejects_of

from etl.load import load_paths
from graphdb.db import Database

FIXTURES = Path(__file__).parents[1] / "fixtures"
TWARC = FIXTURES / "twarc-csv"
TELEGRAM = FIXTURES / "langchain-community" / "result.json"
PAGE = b'{"data": [{"id": "1", "text": "x", "author_id": "9"}]}\n'
@pytest.fixture(scope="module")
def plain_counts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, int]]:
    """records and rejects of the plain fixtures, as the baseline every container must match."""
    out = {}
    for name, path in {"twarc": TWARC, "telegram": TELEGRAM}.items():
        res = dry_run(tmp_path_factory.mktemp(name), path)
        assert res.code == 0, res.stderr
        out[name] = (int(res.summary["records"]), int(res.summary["rejected"]))  # type: ignore[call-overload]
    return out


def test_a_utf16_telegram_export_loads_like_the_utf8_one(tmp_path: Path, plain_counts: dict) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(b"\xff\xfe" + TELEGRAM.read_text(encoding="utf-8").encode("utf-16-le"))
    res = dry_run(tmp_path, path)
    assert res.code == 0, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == plain_counts["telegram"]
    assert res.summary["files"][0]["format"] == "telegram"  # type: ignore[index]


@pytest.mark.parametrize("pack", ["gz", "zip", "tar", "tar.gz"])
def test_compressed_and_archived_fixtures_load_like_the_plain_ones(tmp_path: Path, plain_counts: dict,
                                                                   pack: str) -> None:  # fmt: skip
    sources = sorted(p for p in TWARC.rglob("*") if p.is_file())
    box = tmp_path / "box"
    box.mkdir()
    if pack == "gz":
        for p in sources:
            (box / (p.name + ".gz")).write_bytes(gzip.compress(p.read_bytes()))
    elif pack == "zip":
        with zipfile.ZipFile(box / "twarc.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sources:
                zf.write(p, str(p.relative_to(TWARC)))
    else:
        with tarfile.open(box / f"twarc.{pack}", "w:gz" if pack == "tar.gz" else "w") as tf:
            for p in sources:
                tf.add(p, str(p.relative_to(TWARC)))
    res = dry_run(tmp_path, box)
    assert res.code == 0, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == plain_counts["twarc"]
    (reject,) = rejects_of(tmp_path)  # the fixtures' one known bad line, named inside its container
    assert str(reject["file"]).endswith("streaming_output_with_error.jsonl" + (".gz" if pack == "gz" else ""))
    assert reject["line"] == 8
    if pack != "gz":
        assert f"twarc.{pack}!/streaming_output_with_error.jsonl" in str(reject["file"])


def test_a_zip_bomb_is_refused_without_being_inflated(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, zf.open("a/big.jsonl", "w") as fh:
        block = b"\n" * (1 << 20)
        for _ in range(256):  # 256 MB of newlines: about 250 KB compressed
            fh.write(block)
    assert bomb.stat().st_size < 1 << 20
    res = dry_run(tmp_path, bomb)
    assert res.code == 1
    assert "bomb.zip!/a/big.jsonl: 268,435,456 bytes compressed" in res.stderr and "a zip bomb?" in res.stderr
    assert "SWARMGRAPH_MAX_COMPRESSION_RATIO" in res.stderr


def test_a_gzip_bomb_costs_the_rest_of_its_file_only(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        fh.write(PAGE)
        for _ in range(256):
            fh.write(b"\n" * (1 << 20))
    good = tmp_path / "good.jsonl"
    good.write_bytes(PAGE.replace(b'"1"', b'"2"'))
    res = dry_run(tmp_path, bomb, good)
    assert res.code == 0, res.stderr
    assert (res.summary["records"], res.summary["rejected"]) == (2, 1)
    (reject,) = rejects_of(tmp_path)
    assert reject["file"] == str(bomb) and "byte" in reject and "expands more than 200 times" in str(reject["reason"])


def test_a_cut_gzip_keeps_what_came_before(tmp_path: Path) -> None:
    pages = b"".join(PAGE.replace(b'"1"', f'"{i}"'.encode()) for i in range(1, 20_001))
    data = gzip.compress(pages)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    res = dry_run(tmp_path, cut)
    assert res.code == 0, res.stderr
    assert 5_000 < int(res.summary["records"]) < 20_000  # type: ignore[call-overload]
    assert res.summary["rejected"] in (1, 2)  # where it breaks (and the line cut there, when it is cut mid-line)
    last = rejects_of(tmp_path)[-1]
    assert "the gzip data is damaged or cut short after" in str(last["reason"]) and isinstance(last["byte"], int)


def test_an_archive_of_too_many_members_is_refused_before_listing_them(tmp_path: Path) -> None:
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as zf:
        for i in range(100_001):
            zf.writestr(f"m/{i}.json", b"")
    res = dry_run(tmp_path, many)
    assert res.code == 1
    assert "many.zip: 100,001 members, more than the 100,000 an archive may hold" in res.stderr


def test_member_names_that_climb_out_write_nothing(tmp_path: Path) -> None:
    evil = tmp_path / "deep" / "evil.tar"
    evil.parent.mkdir()
    with tarfile.open(evil, "w") as tf:
        for name in ("../../escaped.jsonl", "/tmp/absolute.jsonl"):
            info = tarfile.TarInfo(name)
            info.size = len(PAGE)
            tf.addfile(info, __import__("io").BytesIO(PAGE))
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    res = dry_run(tmp_path, evil)
    assert res.code == 0, res.stderr
    assert res.summary["records"] == 2
    assert sorted(f["path"] for f in res.summary["files"]) == [  # type: ignore[union-attr, index]
        f"{evil}!/../../escaped.jsonl", f"{evil}!/tmp/absolute.jsonl"]  # fmt: skip
    after = sorted(str(p) for p in tmp_path.rglob("*") if not p.name.startswith(("rss-", "rejects", "home")))
    assert after == before and not (tmp_path / "escaped.jsonl").exists()


def test_a_symlink_loop_and_a_folder_named_like_a_file(tmp_path: Path) -> None:
    case = tmp_path / "case"
    (case / "x.json").mkdir(parents=True)
    (case / "x.json" / "t.jsonl").write_bytes(PAGE)
    (case / "loop").symlink_to(case)
    (case / "self.jsonl").symlink_to(case / "self.jsonl")
    res = dry_run(tmp_path, case)
    assert res.code == 0, res.stderr
    assert [f["path"] for f in res.summary["files"]] == [str(case / "x.json" / "t.jsonl")]  # type: ignore[union-attr, index]


def test_reloading_the_same_archive_is_idempotent(db: Database, tmp_path: Path) -> None:
    archive = tmp_path / "twarc.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(TWARC.glob("*.jsonl")):
            zf.write(p, f"export/{p.name}")
    first = load_paths(db, [archive], rejects_path=tmp_path / "r.jsonl")
    assert first.records > 0 and not first.skipped
    again = load_paths(db, [archive], rejects_path=tmp_path / "r.jsonl")
    assert not again.files and len(again.skipped) == len(first.files)  # every member's LoadRun is complete
    _, runs = db.read("MATCH (r:LoadRun) RETURN r.source AS s ORDER BY s")
    assert [r["s"] for r in runs] == sorted(f"{archive.resolve()}!/export/{p.name}" for p in TWARC.glob("*.jsonl"))
