"""The rejects file (docs/inputs.md, "The rejects file"): every load appends a run header and its rejects; nothing is
truncated or left to look like the last load's; it lives under SWARMGRAPH_HOME unless --rejects says otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from etl.load import load_paths

FIXTURES = Path(__file__).parents[1] / "fixtures"
GOOD = b'{"data": [{"id": "1", "text": "x", "author_id": "9"}]}\n'


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_load_appends_under_its_own_run_header(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(GOOD + b"{cut\n")
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(GOOD)
    rejects = tmp_path / "out" / "rejects.jsonl"
    first = load_paths(None, [bad], dry_run=True, rejects_path=rejects)
    second = load_paths(None, [bad], dry_run=True, rejects_path=rejects)
    third = load_paths(None, [clean], dry_run=True, rejects_path=rejects)
    rows = _rows(rejects)
    headers = [r for r in rows if "started_at" in r]
    assert [h["run"] for h in headers] == [first.rejects_run, second.rejects_run, third.rejects_run]
    assert len({first.rejects_run, second.rejects_run, third.rejects_run}) == 3
    assert headers[0]["inputs"] == [str(bad)] and headers[2]["inputs"] == [str(clean)]
    assert [(r["run"], r["file"], r["line"]) for r in rows if "reason" in r] == [
        (first.rejects_run, str(bad), 2), (second.rejects_run, str(bad), 2)]  # fmt: skip
    assert rows[-1]["run"] == third.rejects_run  # the last section is the last load's, even without rejects
    assert (third.rejected, third.rejects_path) == (0, str(rejects))


def test_the_default_rejects_file_is_under_swarmgraph_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.setenv("SWARMGRAPH_HOME", str(home))
    monkeypatch.chdir(cwd)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(GOOD + b"{cut\n")
    res = CliRunner().invoke(app, ["load", "--dry-run", str(bad)])
    assert res.exit_code == 0, res.output
    assert list(cwd.iterdir()) == []  # nothing in the working directory
    rows = _rows(home / "rejects.jsonl")
    assert [r["file"] for r in rows if "reason" in r] == [str(bad)]
    assert f"1 rejected record in {home / 'rejects.jsonl'} (run {rows[0]['run']})" in res.output


def test_telegram_rejects_name_the_physical_line_and_the_message(tmp_path: Path) -> None:
    export = {"name": "Beacon", "type": "public_channel", "id": 42,
              "messages": [{"id": 1, "type": "message", "date": "2023-01-02T03:04:05", "text": "x"}, 7]}  # fmt: skip
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export, indent=1))
    rejects = tmp_path / "r.jsonl"
    load_paths(None, [path], dry_run=True, rejects_path=rejects)
    (row,) = [r for r in _rows(rejects) if "reason" in r]
    line = path.read_text().splitlines().index("  7") + 1  # where the second message starts
    assert row["line"] == line and "message" not in row
    assert row["reason"] == "message #2 of telegram:channel42 is not an object"


def test_a_new_rejects_file_is_private(tmp_path: Path) -> None:
    good = tmp_path / "t.jsonl"
    good.write_bytes(GOOD)
    load_paths(None, [good], dry_run=True, rejects_path=tmp_path / "r.jsonl")
    assert (tmp_path / "r.jsonl").stat().st_mode & 0o777 == 0o600
