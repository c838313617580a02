"""The CSV guards (etl/readers/csv_rows.py) hold for every CSV reader, on each real CSV fixture: a NUL costs nothing
but a warning, a byte that is not UTF-8 is replaced and warned, a last row cut short is rejected, and a header naming
a column twice refuses the file (readers that match columns by name; QUT's is read by position)."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.detect import detect_format, iter_source_files
from etl.errors import SourceFormatError
from etl.limits import take_notes
from etl.readers import FORMATS
from etl.readers.common import read_guarded
from etl.records import Fragment, Reject

FIXTURES = Path(__file__).parents[1] / "fixtures"
CSV_FILES = sorted(p for p in iter_source_files([FIXTURES]) if p.suffix == ".csv")
BY_POSITION = {"qut-csv"}  # header names are free there: only their order counts


def _read(fmt: str, path: Path) -> list[Fragment | Reject]:
    take_notes()
    return list(read_guarded(FORMATS[fmt], path))


def _graph(items: list[Fragment | Reject]) -> list[tuple]:
    return [(n.label, n.key, sorted(n.props.items(), key=str)) for i in items if isinstance(i, Fragment)
            for n in i.nodes]  # fmt: skip


def _warnings(items: list[Fragment | Reject]) -> list[str]:
    return [w for i in items if isinstance(i, Fragment) for w in i.warnings]


def _copy(tmp_path: Path, path: Path, data: bytes) -> Path:
    out = tmp_path / path.name
    out.write_bytes(data)
    return out


def _second_line(data: bytes) -> int:
    """The offset of the first data row's first comma (the header is line 1)."""
    start = data.index(b"\n") + 1
    return data.index(b",", start)


@pytest.fixture(params=CSV_FILES, ids=lambda p: p.name)
def fixture(request: pytest.FixtureRequest) -> tuple[str, Path]:
    path: Path = request.param
    return detect_format(path), path


def test_every_csv_reader_is_covered() -> None:
    formats = {detect_format(p) for p in CSV_FILES}
    assert {"qut-csv", "videos", "url-checks", "accounts", "isis-fanboy", "isis-kaggle", "twarc-csv",
            "fivethirtyeight-ira", "tags-archive", "twitter-io"} <= formats  # fmt: skip


def test_a_nul_is_removed_with_a_warning(tmp_path: Path, fixture: tuple[str, Path]) -> None:
    fmt, path = fixture
    data = path.read_bytes()
    at = _second_line(data)
    clean = _read(fmt, path)
    damaged = _read(fmt, _copy(tmp_path, path, data[:at] + b"\x00" + data[at:]))
    assert _graph(damaged) == _graph(clean)
    assert [r.reason for r in damaged if isinstance(r, Reject)] == [r.reason for r in clean if isinstance(r, Reject)]
    assert any(w.endswith(":2: NUL bytes removed") for w in _warnings(damaged))


def test_a_byte_that_is_not_utf8_is_replaced_with_a_warning(tmp_path: Path, fixture: tuple[str, Path]) -> None:
    """Put at the end of the first data row's last cell, where it does not make the row a reject."""
    fmt, path = fixture
    data = path.read_bytes()
    at = data.index(b"\n", data.index(b"\n") + 1)
    at -= data[at - 1 : at] == b"\r"
    damaged = _read(fmt, _copy(tmp_path, path, data[:at] + b"\xff" + data[at:]))
    assert any(w.endswith(":2: bytes that are not UTF-8 replaced by U+FFFD") for w in _warnings(damaged))


def test_a_last_row_cut_short_is_rejected(tmp_path: Path, fixture: tuple[str, Path]) -> None:
    """The file ends mid-row, without a newline: after the first comma of its last line (a row cut in a quoted cell
    is caught too, when the cut leaves the quote open)."""
    fmt, path = fixture
    data = path.read_bytes().rstrip(b"\r\n")
    last = data.rindex(b"\n") + 1
    comma = data.find(b",", last)
    cut = data[: comma + 1] if comma > 0 else data[: last + max(1, (len(data) - last) // 2)]
    items = _read(fmt, _copy(tmp_path, path, cut))
    (reject,) = [r for r in items if isinstance(r, Reject) and "cut short" in r.reason]
    assert reject.reason.startswith("the last row is cut short (") and reject.file.endswith(path.name)
    assert reject is [i for i in items if isinstance(i, Reject)][-1]


def test_a_column_named_twice_refuses_the_file(tmp_path: Path, fixture: tuple[str, Path]) -> None:
    fmt, path = fixture
    if fmt in BY_POSITION:
        pytest.skip("read by column position")
    header, rest = path.read_bytes().split(b"\n", 1)
    twice = header.rstrip(b"\r") + b"," + header.split(b",")[0] + b"\n"  # the first column named again, last
    with pytest.raises(SourceFormatError, match="more than once"):
        _read(fmt, _copy(tmp_path, path, twice + rest))


@pytest.mark.parametrize("fmt, name", [("videos", "videos.csv"), ("url-checks", "url_checks.csv"),
                                       ("accounts", "accounts.csv")])  # fmt: skip
def test_readers_that_fold_case_refuse_a_column_named_twice_in_two_cases(tmp_path: Path, fmt: str, name: str) -> None:
    path = FIXTURES / "swarmgraph" / name
    header, rest = path.read_bytes().split(b"\n", 1)
    twice = header + b"," + header.split(b",")[0].upper() + b"\n"
    with pytest.raises(SourceFormatError, match="more than once"):
        _read(fmt, _copy(tmp_path, path, twice + rest))


def test_qut_rows_keep_their_positions_whatever_the_header_says(tmp_path: Path) -> None:
    path = FIXTURES / "coordination-network-toolkit" / "sample_data.csv"
    data = path.read_bytes()
    header, rest = data.split(b"\n", 1)
    same = _copy(tmp_path, path, b"a,a,a,a,a,a,a,a\n" + rest)
    assert _graph(_read("qut-csv", same)) == _graph(_read("qut-csv", path))
