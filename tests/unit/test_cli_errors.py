"""Errors at the CLI's edge: one line and exit 1; --debug adds the chain of causes with every known secret masked."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from cli.common import handled, scrub
from graphdb.errors import DatabaseError


def _fail() -> None:
    try:
        raise OSError("connection refused, password was hunter2-secret")
    except OSError as exc:
        raise DatabaseError("Cannot reach Neo4j") from exc


def test_scrub_masks_the_environment_password_and_the_local_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:  # fmt: skip
    monkeypatch.setenv("NEO4J_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("SWARMGRAPH_HOME", str(tmp_path))
    (tmp_path / "password").write_text("local-pa55word\n")
    assert scrub("a hunter2-secret b local-pa55word c") == "a ******** b ******** c"


@pytest.mark.parametrize("debug", ["", "1"])
def test_handled_prints_one_line_or_the_masked_chain(debug: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv("NEO4J_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("SWARMGRAPH_HOME", str(tmp_path))
    monkeypatch.setenv("SWARMGRAPH_DEBUG", debug)
    with pytest.raises(typer.Exit) as stop, handled():
        _fail()
    assert stop.value.exit_code == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "Error: Cannot reach Neo4j"
    if debug:
        assert "Traceback" in err and "OSError: connection refused, password was ********" in err
        assert "direct cause" in err
    else:
        assert err == "Error: Cannot reach Neo4j\n"
    assert "hunter2-secret" not in err


def test_an_unexpected_error_is_still_one_line(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.delenv("SWARMGRAPH_DEBUG", raising=False)
    with pytest.raises(typer.Exit), handled():
        raise KeyError("x")
    err = capsys.readouterr().err
    assert err.startswith("Error: unexpected KeyError: 'x' (a bug: please report it with --debug output)")
    assert "Traceback" not in err
