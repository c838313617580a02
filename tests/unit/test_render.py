"""The one record renderer: CSV that survives commas, quotes and line breaks in the data; JSON with types kept."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from cli.common import OutputFormat
from cli.render import render_records, render_result


def test_csv_quotes_values_holding_commas_quotes_and_line_breaks(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"handle": "a,b", "text": 'say "hi"\nthen go', "n": 3, "tags": ["x", "y"], "none": None}]
    render_records(["handle", "text", "n", "tags", "none"], rows, OutputFormat.csv)
    back = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert back == [["handle", "text", "n", "tags", "none"], ["a,b", 'say "hi"\nthen go', "3", '["x", "y"]', ""]]


def test_json_keeps_types_and_writes_times_as_iso(capsys: pytest.CaptureFixture[str]) -> None:
    when = datetime(2015, 11, 14, 9, tzinfo=UTC)
    render_records(["t", "n"], [{"t": when, "n": 1.5}], OutputFormat.json)
    assert json.loads(capsys.readouterr().out) == [{"t": "2015-11-14T09:00:00+00:00", "n": 1.5}]


def test_an_analysis_result_as_csv_goes_through_the_same_renderer(capsys: pytest.CaptureFixture[str]) -> None:
    result = {"run": "coordination:x", "groups": [{"group": 1, "members": ["twitter:1", "a,b"]}]}
    render_result(result, "groups", OutputFormat.csv)
    captured = capsys.readouterr()
    assert list(csv.reader(io.StringIO(captured.out))) == [["group", "members"], ["1", '["twitter:1", "a,b"]']]
    assert "run: coordination:x" in captured.err
