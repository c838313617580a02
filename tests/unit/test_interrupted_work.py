"""Interrupted work cleans up (docs/inputs.md, "Interrupted loads"): children die with their parent, SIGTERM unwinds
like Ctrl-C, the bulk loader's staging is private and never outlives it (unless --keep-files), a database a bulk load
left unfinished is refused in one line saying what to run, and one start of the local server at a time.

No Neo4j here: the bulk loader runs dry (parse and stage only) and the runtime is refused before Java would start.
The fault tests of the real thing are tests/integration/test_bulk_faults.py.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from cli.main import app
from etl.bulk import bulk_load
from graphdb.runtime import LocalRuntime

FIXTURES = Path(__file__).parents[1] / "fixtures"
REPO = Path(__file__).parents[2]
runner = CliRunner()


def _python(code: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH") or str(REPO)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd="/", **kwargs)  # type: ignore[call-overload]  # fmt: skip


def _gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    """The pids still alive (zombies count as gone) after waiting up to `timeout` s."""
    deadline = time.monotonic() + timeout
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.1)
    return alive


@pytest.fixture
def strangers() -> Iterator[list[int]]:
    """Pids this test made; whatever is left of them is killed afterwards (by pid)."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ----- children die with their parent -------------------------------------------------------------------------------
def test_the_importers_lifeline_kills_it_with_a_sigkilled_parent(strangers: list[int]) -> None:
    parent = _python("""
        import subprocess, time
        from graphdb.runtime.importer import run_import  # the importer's subprocess is started with this preexec_fn
        from graphdb.runtime.lifeline import importer_preexec
        child = subprocess.Popen(["sleep", "300"], preexec_fn=importer_preexec)
        print(child.pid, flush=True)
        time.sleep(300)
    """)
    line = parent.stdout.readline() if parent.stdout else ""
    assert line.strip().isdigit(), parent.stderr.read() if parent.stderr else ""
    child = int(line)
    strangers += [parent.pid, child]
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    assert _gone([child]) == []


def test_bulk_pool_workers_die_with_a_sigkilled_parent(strangers: list[int]) -> None:
    parent = _python("""
        import os, time
        from etl.bulk_work import worker_pool
        with worker_pool(2) as pool:
            pids = {pool.submit(os.getpid).result() for _ in range(8)}
            print(" ".join(map(str, pids)), flush=True)
            time.sleep(300)
    """)
    line = parent.stdout.readline() if parent.stdout else ""
    workers = [int(p) for p in line.split()]
    assert workers, parent.stderr.read() if parent.stderr else ""
    helpers = [c.pid for c in psutil.Process(parent.pid).children()]  # the workers and multiprocessing's tracker
    strangers += [parent.pid, *helpers]
    assert set(workers) <= set(helpers)
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    assert _gone(helpers) == []


def test_sigterm_unwinds_a_command_like_ctrl_c() -> None:
    proc = _python("""
        import sys, time
        import typer
        from cli.common import handled
        try:
            with handled():
                try:
                    print("ready", flush=True)
                    time.sleep(60)
                finally:
                    print("cleaned up", flush=True)
        except typer.Exit as exc:  # what the CLI app turns into the exit code
            sys.exit(exc.exit_code)
    """)
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert out == "cleaned up\n"
    assert err.strip() == "Terminated."


# ----- staging -----------------------------------------------------------------------------------------------------
def _modes(root: Path) -> set[tuple[str, int]]:
    return {("dir" if p.is_dir() else "file", stat.S_IMODE(p.stat().st_mode)) for p in [root, *root.rglob("*")]}


def test_bulk_staging_is_private_and_kept_only_with_keep_files(tmp_path: Path) -> None:
    rt = LocalRuntime(tmp_path / "home")
    old = os.umask(0o022)  # a usual umask: what the loader creates must be private whatever the user's
    try:
        bulk_load(rt, [FIXTURES / "twarc-csv"], dry_run=True, workers=2, keep_files=True,
                  rejects_path=tmp_path / "r.jsonl")  # fmt: skip
    finally:
        os.umask(old)
    (kept,) = rt.import_dir.glob("bulk-*")
    assert list(kept.rglob("*.csv"))
    assert _modes(kept) == {("dir", 0o700), ("file", 0o600)}
    assert stat.S_IMODE(rt.import_dir.stat().st_mode) == 0o700
    bulk_load(rt, [FIXTURES / "twarc-csv"], dry_run=True, workers=2, rejects_path=tmp_path / "r.jsonl")
    assert list(rt.import_dir.glob("bulk-*")) == [kept]  # a kept folder is the user's; this run's own is removed


def test_a_killed_loads_staging_is_removed_by_the_next_bulk_load(tmp_path: Path) -> None:
    """A killed load leaves its folder with a lock nobody holds; a running load holds its lock; a kept one is kept."""
    rt = LocalRuntime(tmp_path / "home")
    folders = {}
    for name in ("killed", "running", "kept"):
        folders[name] = rt.import_dir / f"bulk-20260101T000000-{name}"
        (folders[name] / "spill" / "b0000").mkdir(parents=True)
        (folders[name] / "spill" / "b0000" / "f000000.pkl").write_bytes(b"staged rows")
        (folders[name] / ".owner").touch()
    (folders["kept"] / ".keep").touch()
    held = os.open(folders["running"] / ".owner", os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        bulk_load(rt, [FIXTURES / "twarc-csv"], dry_run=True, workers=1, rejects_path=tmp_path / "r.jsonl")
    finally:
        os.close(held)
    assert sorted(p.name for p in rt.import_dir.glob("bulk-*")) == [folders["kept"].name, folders["running"].name]


def test_load_help_documents_keep_files() -> None:
    res = runner.invoke(app, ["load", "--help"], env={"COLUMNS": "200", "TERM": "dumb"})
    assert res.exit_code == 0
    assert "--keep-files" in res.output and "interrupted" in res.output


# ----- a database left unfinished ------------------------------------------------------------------------------------
def _marker(home: Path, **body: object) -> None:
    (home / "run").mkdir(parents=True, exist_ok=True)
    (home / "run" / "bulk-import.json").write_text(json.dumps(body) + "\n")


DEAD = {"started": "2026-01-01T10:00:00+00:00", "pid": 2**22 + 12345, "pid_started": 1.0,
        "inputs": ["/data/world", "/data/case two"]}  # fmt: skip
# Were the refusal missing, the local server would start: a second is too short for it, so it is stopped again.
QUICK = {"SWARMGRAPH_START_TIMEOUT": "1", "NEO4J_URI": "", "SWARMGRAPH_HEAP": "256m", "SWARMGRAPH_PAGECACHE": "64m"}


@pytest.mark.parametrize("args", [["db", "start"], ["cypher", "RETURN 1 AS one"], ["load", str(FIXTURES / "gnip")]])
def test_an_unfinished_import_is_one_line_saying_what_to_run(tmp_path: Path, args: list[str]) -> None:
    _marker(tmp_path, **DEAD)
    res = runner.invoke(app, args, env={"SWARMGRAPH_HOME": str(tmp_path), **QUICK})
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == [
        f"Error: The local database in {tmp_path} was left unfinished by an interrupted bulk load (started "
        "2026-01-01T10:00:00): run `swarmgraph load --bulk /data/world '/data/case two'` again to rebuild it."
    ]


def test_db_status_shows_an_unfinished_import(tmp_path: Path) -> None:
    """`db status` is what a user runs first: it names the unfinished import and what to run (and exits 0)."""
    _marker(tmp_path, **DEAD)
    env = {"SWARMGRAPH_HOME": str(tmp_path), **QUICK}
    res = runner.invoke(app, ["db", "status"], env=env)
    assert res.exit_code == 0
    assert ("import:   The local database in " in res.stdout
            and "run `swarmgraph load --bulk /data/world '/data/case two'` again" in res.stdout)  # fmt: skip
    res = runner.invoke(app, ["db", "status", "--format", "json"], env=env)
    assert "left unfinished by an interrupted bulk load" in json.loads(res.stdout)["unfinished_import"]
    (tmp_path / "run" / "bulk-import.json").unlink()
    res = runner.invoke(app, ["db", "status"], env=env)
    assert res.exit_code == 0 and "import:" not in res.stdout


def test_a_bulk_load_importing_now_is_waited_for_not_started_over(tmp_path: Path, strangers: list[int]) -> None:
    owner = subprocess.Popen(["sleep", "60"])  # stands for the bulk load that wrote the marker
    strangers.append(owner.pid)
    _marker(tmp_path, started="2026-01-01T10:00:00+00:00", pid=owner.pid,
            pid_started=psutil.Process(owner.pid).create_time(), inputs=["/data/world"])  # fmt: skip
    res = runner.invoke(app, ["db", "start"], env={"SWARMGRAPH_HOME": str(tmp_path), **QUICK})
    assert res.exit_code == 1
    assert res.stderr.strip() == (f"Error: A bulk load (pid {owner.pid}) is importing into the local database in "
                                  f"{tmp_path}; wait until it ends.")  # fmt: skip


# ----- one start at a time ------------------------------------------------------------------------------------------
def test_a_start_waits_for_another_commands_start(tmp_path: Path, strangers: list[int]) -> None:
    """While another process holds run/start.lock, start() waits; once it is released, start() goes on (here to the
    refusal of an unfinished import, which comes before any Java)."""
    _marker(tmp_path, **DEAD)
    _lock_holder(tmp_path / "run" / "start.lock", 2, strangers)
    said: list[str] = []
    t0 = time.monotonic()
    with pytest.raises(Exception, match="left unfinished by an interrupted bulk load"):
        LocalRuntime(tmp_path).start(timeout=1, say=said.append)
    assert time.monotonic() - t0 > 1.0  # it waited for the holder
    assert said == ["Another swarmgraph command is starting the local Neo4j; waiting for it ..."]


def test_a_start_lock_held_too_long_is_a_clear_error(tmp_path: Path, strangers: list[int]) -> None:
    from graphdb.errors import RuntimeSetupError
    from graphdb.runtime.guards import start_lock

    (tmp_path / "run").mkdir()
    holder = _lock_holder(tmp_path / "run" / "start.lock", 60, strangers)
    with pytest.raises(RuntimeSetupError, match=r"starting the local Neo4j for over 1 s"), \
            start_lock(tmp_path / "run", 1.0, lambda _m: None):  # fmt: skip
        pass
    holder.kill()
    holder.wait()
    with start_lock(tmp_path / "run", 0.5, lambda _m: None):  # the kernel released the dead holder's lock
        pass


def _lock_holder(lock: Path, seconds: int, strangers: list[int]) -> subprocess.Popen[str]:
    """Another process holding `lock` for `seconds` (it says so before the test goes on)."""
    holder = _python(f"""
        import fcntl, os, time
        fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep({seconds})
    """)
    strangers.append(holder.pid)
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder
