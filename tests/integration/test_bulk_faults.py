"""Fault tests of the bulk path: the real CLI `swarmgraph load --bulk` killed (SIGKILL, SIGTERM) in its parse phase
and in its import phase, then what is left (docs/inputs.md, "Interrupted loads"): no worker or importer process, no
staging (but a killed load's, until the next load sweeps it, and a --keep-files one), a one-line refusal at `db start`
and at any database command while the database is half-built, and a re-run that gives the clean load's graph.

The parse phase is hit by SWARMGRAPH_TEST_PAUSE=parse (the loader waits there, its workers alive); the import phase by
watching for the importer's JVM. The tests share one home and run in order: each starts from what the previous left.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from test_load import fingerprint  # pytest puts this directory on sys.path

from etl.load import load_paths
from graphdb.db import Database
from graphdb.runtime import USERNAME, LocalRuntime, free_port
from graphdb.runtime.config import RuntimeState, make_private_dirs, save_state
from graphdb.settings import ConnectionSettings
from simulator import simulate

pytestmark = pytest.mark.neo4j
ADMIN_CLASS = "org.neo4j.cli.AdminTool"
WAIT = 300.0  # a shared machine can be slow to start a JVM


class Cli:
    """One `swarmgraph` process with its stderr collected as it comes."""

    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None) -> None:
        full_env = {**os.environ, "SWARMGRAPH_HOME": str(home), "SWARMGRAPH_HEAP": "1g", "SWARMGRAPH_PAGECACHE": "256m",
                    "COLUMNS": "200", **(env or {})}  # fmt: skip
        full_env.pop("NEO4J_URI", None)
        # cwd outside the repository: the code run is the one on PYTHONPATH (or installed), as for the tests' imports
        self.proc = subprocess.Popen([sys.executable, "-m", "cli.main", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=full_env, cwd=home.parent)  # fmt: skip
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        STARTED.append(self)

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, seen: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not seen():
            assert self.proc.poll() is None, f"exited {self.proc.returncode} before {what}:\n" + "\n".join(self.lines)
            assert time.monotonic() < deadline, f"no {what} within {WAIT:.0f} s:\n" + "\n".join(self.lines)
            time.sleep(0.02)

    def end(self) -> tuple[int, str, list[str]]:
        out = self.proc.stdout.read() if self.proc.stdout else ""
        rc = self.proc.wait(WAIT)
        self._reader.join(10)
        return rc, out, self.lines


def run(home: Path, *args: str) -> tuple[int, str, list[str]]:
    return Cli(home, *args).end()


STARTED: list[Cli] = []  # killed (by pid) at the end of the module, should a failed test leave one running


def command_line(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:  # gone, or a zombie, meanwhile
        return ""


def descendants(pid: int, server: int | None) -> list[psutil.Process]:
    """The processes a load started, but the local server (started detached on purpose: it outlives commands)."""
    return [p for p in psutil.Process(pid).children(recursive=True) if p.pid != server]


def still_alive(procs: list[psutil.Process], timeout: float = 5.0) -> list[str]:
    """What is left of `procs` after `timeout` s: a child that dies with its parent is gone at once, while the
    importer of this world, left alone, would go on for some 10 s more (measured: IMPORT DONE in 9.8 s)."""
    _gone, alive = psutil.wait_procs(procs, timeout=timeout)
    return [f"{p.pid} {command_line(p)[:120]}" for p in alive if command_line(p)]


def staging(home: Path) -> list[Path]:
    return sorted((home / "import").glob("bulk-*"))


def private(folder: Path) -> bool:
    modes = {stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.rglob("*")] if p.is_dir()}
    files = {stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*") if p.is_file()}
    return modes == {0o700} and files <= {0o600}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A home of its own, not started yet, on free ports (the starts below reuse them)."""
    h = tmp_path_factory.mktemp("faults") / "home"
    rt = LocalRuntime(h)
    make_private_dirs(h, rt.run_dir)
    bolt = free_port()
    save_state(rt.state_file, RuntimeState(bolt, free_port({bolt})))
    yield h
    for cli in STARTED:
        if cli.proc.poll() is None:
            cli.proc.kill()
            cli.proc.wait()
    rt.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("faults-world") / "world"
    simulate(out, seed=11, posts=3000)
    return out


def _load(home: Path, world: Path, *extra: str, env: dict[str, str] | None = None) -> Cli:
    return Cli(home, "load", "--bulk", str(world), "--workers", "2", "--rejects", str(home.parent / "rejects.jsonl"),
               *extra, env=env)  # fmt: skip


def _refusal(world: Path) -> str:
    return f"run `swarmgraph load --bulk {world}` again to rebuild it."


def test_two_commands_on_a_stopped_server_wait_for_one_start(home: Path) -> None:
    first, second = Cli(home, "cypher", "RETURN 41 + 1 AS answer"), Cli(home, "cypher", "RETURN 41 + 1 AS answer")
    for cli in (first, second):
        rc, out, err = cli.end()
        assert rc == 0, "\n".join(err)
        assert "42" in out
    assert LocalRuntime(home).running_pid() is not None


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_in_the_parse_phase(home: Path, world: Path, sig: signal.Signals) -> None:
    rt = LocalRuntime(home)
    cli = _load(home, world, env={"SWARMGRAPH_TEST_PAUSE": "parse"})
    cli.wait_for(lambda: any("paused in the parse phase" in line for line in cli.lines), "parse-phase pause")
    children = descendants(cli.proc.pid, rt.running_pid())
    assert sum("multiprocessing.spawn" in command_line(p) for p in children) == 2  # the two workers
    (folder,) = staging(home)
    assert private(folder)
    cli.proc.send_signal(sig)
    rc, _out, err = cli.end()
    assert still_alive(children) == []
    if sig == signal.SIGTERM:
        assert (rc, err[-1]) == (143, "Terminated.")
        assert "Traceback" not in "\n".join(err)
        assert staging(home) == []  # its own removed, and the SIGKILLed load's before it
    else:
        assert staging(home) == [folder] and private(folder)  # nobody left to remove it: the next load does
    rc, _out, err = run(home, "db", "start")  # the database was never touched
    assert rc == 0 and "already running" in err[-1]


def _empty_unless_marked(home: Path) -> None:
    """Each import-phase test needs a database a bulk load accepts: empty, or marked unfinished by the test before.
    (Only a test before that failed, say a load that was never interrupted, leaves anything else.)"""
    rt = LocalRuntime(home)
    if (rt.run_dir / "bulk-import.json").exists() or rt.running_pid() is None:
        return
    settings = ConnectionSettings(rt.bolt_uri() or "", USERNAME, rt.password(), None, local=True)
    with Database(settings) as bdb:
        bdb.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_in_the_import_phase(home: Path, world: Path, sig: signal.Signals) -> None:
    keep = ("--keep-files",) if sig == signal.SIGTERM else ()
    _empty_unless_marked(home)
    before = staging(home)
    cli = _load(home, world, *keep)
    importer: list[psutil.Process] = []

    def importing() -> bool:
        importer[:] = [p for p in descendants(cli.proc.pid, None) if ADMIN_CLASS in command_line(p)]
        return bool(importer)

    cli.wait_for(importing, "importer")
    children = descendants(cli.proc.pid, None)
    cli.proc.send_signal(sig)
    rc, _out, err = cli.end()
    assert still_alive(children) == []  # the importer did not go on writing alone
    if sig == signal.SIGTERM:
        assert (rc, err[-1]) == (143, "Terminated.")
        (kept,) = staging(home)  # the SIGKILLed load's swept, this one's kept as asked
        assert kept not in before and (kept / ".keep").is_file() and private(kept)
    else:
        (left,) = staging(home)
        assert private(left)
    for args in (["db", "start"], ["cypher", "RETURN 1"], ["query", "hashtag_lifecycle"]):
        rc, _out, err = run(home, *args)
        assert rc == 1
        assert len(err) == 1 and err[0].startswith("Error: The local database in ")
        assert "left unfinished by an interrupted bulk load" in err[0] and err[0].endswith(_refusal(world))


def test_a_rerun_gives_the_clean_loads_graph(home: Path, world: Path, db: Database, tmp_path: Path) -> None:
    kept = staging(home)
    rc, _out, err = _load(home, world).end()
    assert rc == 0, "\n".join(err)
    assert "An earlier bulk load did not finish; its database will be replaced." in err
    assert staging(home) == kept  # only the --keep-files folder
    assert not (home / "run" / "bulk-import.json").exists()
    load_paths(db, [world], rejects_path=tmp_path / "online.jsonl")  # the clean load, online, in the session's
    rt = LocalRuntime(home)
    settings = ConnectionSettings(rt.bolt_uri() or "", USERNAME, rt.password(), None, local=True)
    with Database(settings) as bulk_db:
        assert fingerprint(bulk_db) == fingerprint(db)
    rc, _out, err = run(home, "db", "start")
    assert rc == 0 and "already running" in err[-1]
