"""Docs are checked: every CLI command is documented in the README."""

from __future__ import annotations

import re
import subprocess
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


ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _packages() -> list[str]:
    """Every package the project ships (pyproject.toml) or keeps beside it (bench, tests, scripts)."""
    import tomllib

    shipped = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    return sorted({*shipped, "bench", "tests", "scripts"})


def _project_files() -> list[Path]:
    """The project's own files: what git tracks or would track (local venvs, caches and bench data are ignored)."""
    if (ROOT / ".git").exists():
        git = ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
        listed = subprocess.run(git, capture_output=True, check=True).stdout.decode().split("\0")
        return [p for name in listed if name and (p := ROOT / name).is_file()]
    return [p for p in ROOT.rglob("*") if p.is_file() and not {".venv", "build", ".git"} & set(p.parts)]


def test_the_architecture_names_every_package() -> None:
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    assert "graphdb.runtime" in _packages()  # the list itself is read
    missing = [p for p in _packages() if f"`{p}`" not in text]
    assert not missing, f"packages missing from docs/architecture.md: {missing}"
    on_disk = {str(p.parent.relative_to(ROOT)).replace("/", ".") for p in _project_files()
               if p.name == "__init__.py" and p.parent != ROOT}  # fmt: skip
    assert on_disk <= set(_packages()), f"packages not in pyproject.toml: {sorted(on_disk - set(_packages()))}"


def test_every_input_format_has_its_section_in_formats_md() -> None:
    from etl.readers import FORMATS

    headings = [ln[3:] for ln in (DOCS / "formats.md").read_text(encoding="utf-8").splitlines() if ln.startswith("## ")]
    names = {n for h in headings for n in re.split(r"[,\s()/]+", h) if n}
    missing = sorted(set(FORMATS) - names)
    assert not missing, f"formats without a '## <name>' section in docs/formats.md: {missing}"


def test_every_prepared_query_answers_a_numbered_question() -> None:
    from cypher import load_catalogue

    text = (DOCS / "investigations.md").read_text(encoding="utf-8")
    assert "## 7. " in text
    missing = [name for name in load_catalogue() if f"**`{name}`**" not in text]
    assert not missing, f"queries not placed under a question in docs/investigations.md: {missing}"


def test_the_docs_stand_alone() -> None:
    """Every Markdown document the code or the docs name is in the repository, and no link or directory path leads
    out of it (tests are left out of the first check: they name files they write)."""
    files = [p for p in _project_files() if p.suffix in {".py", ".md", ".cypher"}]
    ours = {p.name for p in _project_files()}
    ours |= {name.lower() for name in ours}  # a lower-case mention (a file name matched in any case) is fine
    found = []
    for p in files:
        text = p.read_text(encoding="utf-8", errors="replace")
        if "tests" not in p.relative_to(ROOT).parts:
            found += [f"{p.relative_to(ROOT)}: {name}" for name in re.findall(r"\b([A-Za-z][\w-]*\.md)\b", text)
                      if name not in ours]  # fmt: skip
        links = re.findall(r"\]\(((?:\.\./)+[^)#\s]*)", text)  # relative to the file
        paths = re.findall(r"(?<![\w.(])((?:\.\./)+\w[\w-]*/)", text)  # said in prose: relative to the checkout
        found += [f"{p.relative_to(ROOT)}: {rel}" for base, rels in ((p.parent, links), (ROOT, paths)) for rel in rels
                  if not (base / rel).resolve().is_relative_to(ROOT.resolve())]  # fmt: skip
    assert not found, found


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


def test_load_help_names_every_format() -> None:
    from typer.testing import CliRunner

    from cli.main import app
    from etl.readers import FORMATS

    result = CliRunner().invoke(app, ["load", "--help"], env={"COLUMNS": "400", "TERMINAL_WIDTH": "400"})
    assert result.exit_code == 0
    names = {n.rstrip(".") for n in re.findall(r"[a-z0-9][a-z0-9.-]*", result.output)}
    assert not set(FORMATS) - names, sorted(set(FORMATS) - names)


def test_platform_exports_are_documented_with_a_detection_example() -> None:
    inputs = (DOCS / "inputs.md").read_text(encoding="utf-8")
    for name in ("gnip-activity-streams", "bluesky", "bluesky-jetstream"):
        assert f"(`{name}`)" in inputs, name
    assert "twarc2 counts" in inputs
