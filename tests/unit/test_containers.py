"""Encodings, compressed files and archives (docs/inputs.md, "Limits, encodings, archives and damaged records"):
every format read the same whatever it arrives in; archives listed like a directory, within limits, never unpacked.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import tarfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.detect import detect_format, iter_source_files
from etl.errors import SourceFormatError
from etl.load import file_sha256, load_paths
from etl.readers import FORMATS
from etl.readers.common import open_binary, source_mtime
from etl.records import Fragment, Reject

FIXTURES = Path(__file__).parents[1] / "fixtures"
MTIME = 1_447_491_600  # 2015-11-14T09:00:00Z, an even second (zip keeps two-second times)
TEXT_FORMATS_SKIPPED = {"warc"}  # binary web archives: no text encoding applies


def _one_fixture_per_format() -> dict[str, Path]:
    """The first fixture (in walk order) of every format, skipping files that are compressed already."""
    chosen: dict[str, Path] = {}
    for path in iter_source_files([FIXTURES]):
        if path.name.endswith((".gz", ".wacz")):
            continue
        chosen.setdefault(detect_format(path), path)
    return chosen


PER_FORMAT = _one_fixture_per_format()


def _items(fmt: str, path: Path) -> list[str]:
    """What a reader makes of a file, with the file's own name taken out (copies have other names)."""
    out: list[str] = []
    for item in FORMATS[fmt](path):
        if isinstance(item, Reject):
            out.append(f"reject {item.line} {item.reason.replace(str(path), '<file>')}")
        else:
            assert isinstance(item, Fragment)
            nodes = sorted(repr((n.label, n.key, sorted(n.props.items()), n.placeholder)) for n in item.nodes)
            rels = sorted(repr((r.type, r.start, r.end, sorted(r.props.items()))) for r in item.rels)
            out.append(repr((nodes, rels, [w.replace(str(path), "<file>") for w in item.warnings])))
    return out


def _copy(src: Path, dst: Path, data: bytes) -> Path:
    dst.write_bytes(data)
    os.utime(dst, (MTIME, MTIME))
    return dst


def _utf16(data: bytes, codec: str) -> bytes:
    text = data.decode("utf-8-sig")
    bom = codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE
    return bom + text.encode(codec)


ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    "utf-8-bom": lambda b: codecs.BOM_UTF8 + b,
    "utf-16-le": lambda b: _utf16(b, "utf-16-le"),
    "utf-16-be": lambda b: _utf16(b, "utf-16-be"),
}
COMPRESSIONS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": lambda b: gzip.compress(b, mtime=0),
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
}
try:
    import zstandard

    COMPRESSIONS[".zst"] = lambda b: zstandard.ZstdCompressor().compress(b)
except ImportError:  # an optional dependency: .zst is read only where it is installed
    pass


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("fmt", sorted(set(PER_FORMAT) - TEXT_FORMATS_SKIPPED))
def test_every_text_format_reads_the_same_in_every_encoding(fmt: str, encoding: str, tmp_path: Path) -> None:
    src = PER_FORMAT[fmt]
    (tmp_path / "plain").mkdir()  # copies carry their own times (evidence readers use them): fixtures stay untouched
    plain = _copy(src, tmp_path / "plain" / src.name, src.read_bytes())
    other = _copy(src, tmp_path / src.name, ENCODINGS[encoding](src.read_bytes()))
    assert detect_format(other) == fmt
    assert _items(fmt, other) == _items(fmt, plain)


@pytest.mark.parametrize("suffix", sorted(COMPRESSIONS))
@pytest.mark.parametrize("fmt", sorted(PER_FORMAT))
def test_every_format_reads_the_same_compressed(fmt: str, suffix: str, tmp_path: Path) -> None:
    src = PER_FORMAT[fmt]
    (tmp_path / "plain").mkdir()
    plain = _copy(src, tmp_path / "plain" / src.name, src.read_bytes())
    packed = _copy(src, tmp_path / (src.name + suffix), COMPRESSIONS[suffix](src.read_bytes()))
    assert detect_format(packed) == fmt
    assert _items(fmt, packed) == _items(fmt, plain)
    assert sorted(p.name for p in iter_source_files([tmp_path])) == sorted([packed.name, plain.name])  # walked too


def test_compression_is_judged_by_content_not_by_name(tmp_path: Path) -> None:
    src = FIXTURES / "twarc-csv" / "two_tweets.jsonl"
    hidden = _copy(src, tmp_path / "two_tweets.jsonl", gzip.compress(src.read_bytes()))  # gzip under a plain name
    assert detect_format(hidden) == "twarc2"
    assert _items("twarc2", hidden) == _items("twarc2", src)


def test_utf16_json_lines_keep_their_line_numbers(tmp_path: Path) -> None:
    page = b'{"data": [{"id": "1", "text": "x", "author_id": "9"}]}\n'
    lines = page + b"not json\n" + page.replace(b'"1"', b'"2"')
    path = _copy(tmp_path, tmp_path / "t.jsonl", _utf16(lines, "utf-16-le"))
    rejects = [i for i in FORMATS["twarc2"](path) if isinstance(i, Reject)]
    assert [r.line for r in rejects] == [2]


def test_a_truncated_gzip_loads_what_came_before_and_says_where_it_ends(tmp_path: Path) -> None:
    src = FIXTURES / "twarc-csv" / "many_urls.jsonl"
    data = gzip.compress(src.read_bytes())
    cut = _copy(src, tmp_path / "cut.jsonl.gz", data[: len(data) // 2])
    with pytest.raises(SourceFormatError, match=r"cut\.jsonl\.gz: the gzip data is damaged or cut short"):
        list(FORMATS["twarc2"](cut))


# ----- archives ------------------------------------------------------------------------------------------------
def _zip(path: Path, members: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=datetime.fromtimestamp(MTIME, UTC).timetuple()[:6])
            info.compress_type = method
            zf.writestr(info, data)
    return path


def _tar(path: Path, members: dict[str, bytes], mode: str = "w") -> Path:
    with tarfile.open(path, mode) as tf:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), MTIME
            tf.addfile(info, io.BytesIO(data))
    return path


CASE = {
    "twitter/search_page.jsonl": (FIXTURES / "case-evidence/twitter/search_page.jsonl").read_bytes(),
    "telegram/result.json": (FIXTURES / "case-evidence/telegram/result.json").read_bytes(),
    "archive-org/release7-ar.json": (FIXTURES / "case-evidence/archive-org/release7-ar.json").read_bytes(),
    "wayback/release7-ar.cdx": (FIXTURES / "case-evidence/wayback/release7-ar.cdx").read_bytes(),
    "warc/justpaste-rel7.warc.gz": (FIXTURES / "case-evidence/warc/justpaste-rel7.warc.gz").read_bytes(),
    "videos/photo.jpg": b"\xff\xd8\xff not data",
    ".hidden/notes.json": b"{}",
    "README.md": b"# notes",
}
CASE_DATA = sorted(n for n in CASE if not n.startswith((".", "README")) and not n.endswith(".jpg"))

ARCHIVES: dict[str, Callable[[Path], Path]] = {
    "case.zip": lambda d: _zip(d / "case.zip", CASE),
    "case.tar": lambda d: _tar(d / "case.tar", CASE),
    "case.tar.gz": lambda d: _tar(d / "case.tar.gz", CASE, "w:gz"),
    "case.tgz": lambda d: _tar(d / "case.tgz", CASE, "w:gz"),
    "case.tar.xz": lambda d: _tar(d / "case.tar.xz", CASE, "w:xz"),
}


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_an_archive_is_listed_member_by_member_like_a_directory(name: str, tmp_path: Path) -> None:
    archive = ARCHIVES[name](tmp_path)
    members = list(iter_source_files([archive]))
    assert [str(m) for m in members] == [f"{archive}!/{n}" for n in CASE_DATA]
    assert list(iter_source_files([tmp_path])) == members  # found while walking a directory too


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_archive_members_read_like_the_files(name: str, tmp_path: Path) -> None:
    archive = ARCHIVES[name](tmp_path)
    plain_dir = tmp_path / "plain"
    for member in CASE_DATA:
        (plain_dir / member).parent.mkdir(parents=True, exist_ok=True)
        _copy(plain_dir, plain_dir / member, CASE[member])
    for member_path in iter_source_files([archive]):
        rel = str(member_path).split("!/", 1)[1]
        plain = plain_dir / rel
        fmt = detect_format(member_path)
        assert fmt == detect_format(plain)
        assert _items(fmt, member_path) == _items(fmt, plain)
        assert source_mtime(member_path) == datetime.fromtimestamp(MTIME, UTC)  # the member's time, not the archive's
        assert file_sha256(member_path) == file_sha256(plain)  # a member's identity is its content, as a file's


def test_member_rejects_name_the_archive_and_the_member(tmp_path: Path) -> None:
    page = b'{"data": [{"id": "1", "text": "x", "author_id": "9"}]}\n'
    archive = _zip(tmp_path / "a.zip", {"dir/t.jsonl": page + b"{bad\n"})
    (member,) = iter_source_files([archive])
    (reject,) = [i for i in FORMATS[detect_format(member)](member) if isinstance(i, Reject)]
    assert (reject.file, reject.line) == (f"{archive}!/dir/t.jsonl", 2)


def test_a_zip_named_zip_holding_a_web_archive_is_read_as_one(tmp_path: Path) -> None:
    wacz = FIXTURES / "py-wacz" / "pywacz_valid_signed_example_1.wacz"
    copy = _copy(wacz, tmp_path / "capture.zip", wacz.read_bytes())
    assert list(iter_source_files([copy])) == [copy]
    assert detect_format(copy) == "warc"


def test_member_paths_that_climb_out_are_harmless(tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    line = b'{"data": [{"id": "1", "text": "x", "author_id": "9"}]}\n'
    archive = _zip(inner / "evil.zip", {"../../escaped.jsonl": line, "/etc/abs.jsonl": line, "ok/../../up.jsonl": line})
    before = sorted(p.name for p in tmp_path.rglob("*"))
    members = list(iter_source_files([archive]))
    assert [str(m).split("!/", 1)[1] for m in members] == ["../../escaped.jsonl", "etc/abs.jsonl", "ok/../../up.jsonl"]
    for m in members:
        assert detect_format(m) == "twarc2" and len(list(FORMATS["twarc2"](m))) == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written anywhere
    assert not (tmp_path.parent / "escaped.jsonl").exists()


def test_a_tar_symlink_member_is_not_followed(tmp_path: Path) -> None:
    archive = tmp_path / "links.tar"
    with tarfile.open(archive, "w") as tf:
        link = tarfile.TarInfo("passwd.json")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    with pytest.raises(SourceFormatError, match="No input files"):
        load_paths(None, [archive], dry_run=True, rejects_path=tmp_path / "r.jsonl")


def test_a_zip_bomb_member_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"big.jsonl": b"\n" * (64 << 20)})  # 64 MB of newlines: ratio ~1000
    assert archive.stat().st_size < 1 << 20
    with pytest.raises(SourceFormatError, match=r"bomb\.zip!/big\.jsonl: .*compressed \d+ times"):
        list(iter_source_files([archive]))


def test_an_archive_with_too_many_members_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWARMGRAPH_MAX_ARCHIVE_MEMBERS", "100")
    archive = _zip(tmp_path / "many.zip", {f"m{i}.json": b"{}" for i in range(101)}, method=zipfile.ZIP_STORED)
    with pytest.raises(SourceFormatError, match=r"many\.zip: 101 members, more than the 100"):
        list(iter_source_files([archive]))


def test_an_archive_beyond_the_total_size_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWARMGRAPH_MAX_ARCHIVE_BYTES", "1000")
    archive = _tar(tmp_path / "large.tar", {"a.jsonl": b"x" * 600, "b.jsonl": b"y" * 600})
    with pytest.raises(SourceFormatError, match=r"large\.tar: more than 1,000 bytes"):
        list(iter_source_files([archive]))


def test_a_damaged_archive_is_one_clear_error(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "cut.zip", dict(CASE))
    archive.write_bytes(archive.read_bytes()[:-200])  # the central directory cut
    with pytest.raises(SourceFormatError, match=r"cut\.zip: not a readable zip archive"):
        list(iter_source_files([archive]))


# ----- directories -------------------------------------------------------------------------------------------
def test_a_symlink_loop_in_a_directory_ends(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    (tmp_path / "self.json").symlink_to(tmp_path / "self.json")
    real = _copy(tmp_path, tmp_path / "a" / "t.jsonl", (FIXTURES / "twarc-csv/two_tweets.jsonl").read_bytes())
    assert list(iter_source_files([tmp_path])) == [real]


def test_a_directory_named_like_a_data_file_is_walked(tmp_path: Path) -> None:
    odd = tmp_path / "x.json"
    odd.mkdir()
    real = _copy(odd, odd / "t.jsonl", (FIXTURES / "twarc-csv/two_tweets.jsonl").read_bytes())
    assert list(iter_source_files([tmp_path])) == [real]
    assert list(iter_source_files([odd])) == [real]


def test_open_binary_refuses_a_member_that_is_not_there(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"t.jsonl": b"{}\n"})
    with pytest.raises(FileNotFoundError):
        open_binary(Path(f"{archive}!/missing.jsonl"))


# ----- damage ------------------------------------------------------------------------------------------------
_PACKERS: dict[str, Callable[[Path, bytes], Path]] = {
    "gz": lambda d, b: _copy(d, d / "t.jsonl.gz", gzip.compress(b)),
    "bz2": lambda d, b: _copy(d, d / "t.jsonl.bz2", bz2.compress(b)),
    "xz": lambda d, b: _copy(d, d / "t.jsonl.xz", lzma.compress(b)),
    "zip": lambda d, b: _zip(d / "t.zip", {"t.jsonl": b}),
    "tar.gz": lambda d, b: _tar(d / "t.tar.gz", {"t.jsonl": b}, "w:gz"),
    "utf16": lambda d, b: _copy(d, d / "t.jsonl", _utf16(b, "utf-16-le")),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pack=st.sampled_from(sorted(_PACKERS)), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)),
                                                             max_size=4), cut=st.floats(0.05, 1.0))  # fmt: skip
def test_damaged_containers_give_rejects_or_one_clear_error(
    tmp_path: Path, pack: str, flips: list[tuple[float, int]], cut: float
) -> None:
    """Flipped bytes and cuts anywhere in a compressed file, archive or UTF-16 text: the load ends with rejects or
    one SourceFormatError naming the input, never another exception."""
    for old in tmp_path.iterdir():
        old.unlink()
    path = _PACKERS[pack](tmp_path, (FIXTURES / "twarc-csv" / "many_urls.jsonl").read_bytes() * 3)
    data = bytearray(path.read_bytes())
    for where, value in flips:
        data[min(int(where * len(data)), len(data) - 1)] = value
    path.write_bytes(bytes(data[: max(1, int(cut * len(data)))]))
    try:
        load_paths(None, [path], dry_run=True, rejects_path=tmp_path / "rejects.jsonl")
    except SourceFormatError as exc:
        assert path.name in str(exc) or "No input files" in str(exc)
    finally:
        (tmp_path / "rejects.jsonl").unlink(missing_ok=True)


def test_an_encrypted_zip_member_is_one_clear_error(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "locked.zip", {"t.jsonl": b'{"data": []}\n'})
    data = bytearray(archive.read_bytes())
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # set the encrypted flag in the local and the central header
        at = data.index(header)
        data[at + (6 if header == b"PK\x03\x04" else 8)] |= 0x1
    archive.write_bytes(bytes(data))
    (member,) = iter_source_files([archive])
    with pytest.raises(SourceFormatError, match=r"locked\.zip!/t\.jsonl: an encrypted member"):
        detect_format(member)
