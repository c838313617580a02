"""What keeps commands from tripping over each other on the local database: the start lock (one start at a time;
the others wait for it) and the unfinished-import marker (a bulk load owns the database from the moment it stops the
server until its import is complete; a database it left half-built is refused, with what to run, until a bulk load
finishes). Both live in the runtime's run/ directory.
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from graphdb.errors import RuntimeSetupError

MARKER = "bulk-import.json"  # in run/ while a bulk load owns the database, and after one that did not finish
START_LOCK = "start.lock"
Say = Callable[[str], None]


class UnfinishedImportError(RuntimeSetupError):
    """The local database was left half-built by a bulk load that did not finish, or one is importing into it now."""


# ----- the start lock ------------------------------------------------------------------------------------------------
@contextmanager
def start_lock(run_dir: Path, timeout: float, say: Say) -> Iterator[None]:
    """Hold run/start.lock (flock: released by the kernel when the holder dies, however it dies). A second command
    waits for the first's start, up to `timeout` s, instead of starting a second server on the same store."""
    run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(run_dir / START_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _try_lock(fd):
            say("Another swarmgraph command is starting the local Neo4j; waiting for it ...")
            deadline = time.monotonic() + timeout
            while not _try_lock(fd):
                if time.monotonic() > deadline:
                    raise RuntimeSetupError(
                        f"Another swarmgraph command has been starting the local Neo4j for over {timeout:.0f} s "
                        f"(it holds {run_dir / START_LOCK}); try again once it is done."
                    )
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


# ----- the unfinished-import marker -----------------------------------------------------------------------------------
def write_import_marker(run_dir: Path, *, work_dir: Path, inputs: list[Path]) -> None:
    """Mark the database as owned by this process's bulk load (written before the server is stopped)."""
    me = psutil.Process()
    body = {"started": datetime.now(UTC).isoformat(), "work_dir": str(work_dir), "pid": me.pid,
            "pid_started": me.create_time(), "inputs": [str(p.absolute()) for p in inputs]}  # fmt: skip
    path = run_dir / MARKER
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(body) + "\n")


def clear_import_marker(run_dir: Path) -> None:
    (run_dir / MARKER).unlink(missing_ok=True)


def read_import_marker(run_dir: Path) -> dict[str, Any] | None:
    """The marker's content, {} when it cannot be read (still a marker), None when there is none."""
    path = run_dir / MARKER
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def check_no_unfinished_import(run_dir: Path, home: Path) -> None:
    """Refuse, in one line saying what to run, a database a bulk load left unfinished or is importing into now."""
    why = unfinished_import(run_dir, home)
    if why is not None:
        raise UnfinishedImportError(why)


def unfinished_import(run_dir: Path, home: Path) -> str | None:
    """One line on a bulk load importing into the database now or left unfinished (what to run), else None."""
    marker = read_import_marker(run_dir)
    if marker is None:
        return None
    if import_owner_alive(marker):
        return f"A bulk load (pid {marker['pid']}) is importing into the local database in {home}; wait until it ends."
    return (
        f"The local database in {home} was left unfinished by an interrupted bulk load"
        f"{' (started ' + str(marker['started'])[:19] + ')' if marker.get('started') else ''}: run "
        f"`{rerun_command(marker)}` again to rebuild it."
    )


def rerun_command(marker: dict[str, Any]) -> str:
    """`swarmgraph load --bulk` with the interrupted load's inputs (when they print on one line)."""
    inputs = [str(p) for p in marker.get("inputs") or []]
    if not inputs or any(not p.isprintable() for p in inputs):
        return "swarmgraph load --bulk PATH..."
    return "swarmgraph load --bulk " + " ".join(shlex.quote(p) for p in inputs)


def import_owner_alive(marker: dict[str, Any]) -> bool:
    """Is the process that wrote the marker still running (the same process: its start time tells a reused pid)?"""
    pid, started = marker.get("pid"), marker.get("pid_started")
    if not isinstance(pid, int) or not isinstance(started, int | float) or pid == os.getpid():
        return False
    try:
        proc = psutil.Process(pid)
        same = abs(proc.create_time() - started) < 0.01
        zombie = proc.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
    return same and not zombie
