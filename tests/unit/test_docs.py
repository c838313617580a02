"""Docs are checked: every CLI command is documented in the README."""

from __future__ import annotations

from pathlib import Path

import typer.main

from cli.main import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    group = typer.main.get_group(app)
    names = []
    for name, cmd in group.commands.items():
        sub = getattr(cmd, "commands", None)
        names += [f"{name} {s}" for s in sub] if sub else [name]
    return sorted(names)


def test_every_command_is_in_the_readme() -> None:
    commands = _commands()
    assert "db start" in commands and "load" in commands  # the walk itself works
    missing = [c for c in commands if f"swarmgraph {c}" not in README and not _grouped(c)]
    assert not missing, f"commands missing from README.md: {missing}"


def _grouped(command: str) -> bool:
    """`swarmgraph analyze bridging | communities | successors` documents several at once."""
    group, _, sub = command.partition(" ")
    return any(line.startswith(f"swarmgraph {group} ") and f" {sub}" in line for line in README.splitlines())


def test_every_evidence_format_is_documented() -> None:
    """Each evidence reader's format name in docs/inputs.md's table, and a section of docs/formats.md for it."""
    root = Path(__file__).resolve().parents[2] / "docs"
    inputs, formats = (root / "inputs.md").read_text(), (root / "formats.md").read_text()
    for name in ("ytdlp", "archive-org", "archive-org-search", "youtube-api", "cdx", "cdx-json", "wayback-available",
                 "warc"):  # fmt: skip
        assert f"(`{name}`)" in inputs, name
    for heading in ("yt-dlp", "archive.org item metadata", "archive.org search", "YouTube Data API",
                    "Wayback Machine CDX", "Wayback availability API", "WARC / WACZ"):  # fmt: skip
        assert f"\n## {heading}" in formats, heading
