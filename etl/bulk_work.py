"""Where a bulk load works and with whom: its private staging folder under the runtime's import/ directory and its
pool of parse and merge workers, both gone when the load ends, however it ends (docs/inputs.md, "Interrupted loads").

The staging folder `import/bulk-<time>-<pid>-<random>` is 0700 and everything in it 0600 (the spills and CSVs hold the
collection). It is removed when the load ends, failed or not, unless --keep-files. The load holds a lock on its
`.owner` file, so a folder whose lock is free belongs to a load that was killed (SIGKILL, a crash, a power cut): the
next bulk load removes it. A kept folder carries a `.keep` file and is never removed.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from graphdb.runtime.lifeline import PRIVATE_UMASK, pool_initializer, stop_pool

STAGING_GLOB = "bulk-*"
OWNER = ".owner"  # flock held by the load that works in the folder
KEEP = ".keep"  # --keep-files: the folder is the user's, not stale
PAUSE_ENV = "SWARMGRAPH_TEST_PAUSE"  # tests only: a phase name at which the load stops and waits to be killed

Say = Callable[[str], None]


@contextmanager
def staging_folder(import_dir: Path, *, keep: bool, work_dir: Path | None = None,
                   say: Say = lambda _m: None) -> Iterator[Path]:  # fmt: skip
    """A private folder to stage in, first clearing the folders of killed loads. Files created meanwhile by this
    process are private too (umask 077, restored after)."""
    remove_stale_staging(import_dir, say)
    import_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if work_dir is None:  # a new folder each time: two loads of one process in one second never share one
        work = Path(tempfile.mkdtemp(prefix=f"bulk-{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}-", dir=import_dir))
    else:
        work = work_dir
        work.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(work, 0o700)
    for stale in (work / "spill", work / "csv"):  # spills are appended to: never onto an earlier run's
        shutil.rmtree(stale, ignore_errors=True)
    owner = os.open(work / OWNER, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(owner, fcntl.LOCK_EX)
    if keep:
        (work / KEEP).touch(mode=0o600)
    umask = os.umask(PRIVATE_UMASK)
    try:
        yield work
    finally:
        os.umask(umask)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        os.close(owner)
        if keep:
            say(f"Staged files kept in {work}.")


def remove_stale_staging(import_dir: Path, say: Say) -> list[Path]:
    """Remove the staging folders of killed bulk loads (an `.owner` nobody holds, no `.keep`); the removed ones."""
    removed = []
    for folder in sorted(import_dir.glob(STAGING_GLOB)) if import_dir.is_dir() else []:
        owner = folder / OWNER
        if not owner.is_file() or (folder / KEEP).exists() or folder.is_symlink():
            continue  # not one of ours to judge: an older version's, a kept one
        try:
            fd = os.open(owner, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a bulk load running now works there
        finally:
            os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    if removed:
        say(f"Removed the staging of {len(removed)} interrupted bulk load(s) in {import_dir}.")
    return removed


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Parse and merge workers (spawned: they start clean, whatever threads the parent runs), each dying with the
    loader (runtime/lifeline.py). On any exception, Ctrl-C and SIGTERM included, busy workers are stopped at once
    rather than waited for."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=pool_initializer, initargs=(os.getpid(),))  # fmt: skip
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def pause_for_tests(phase: str, say: Say) -> None:
    """With SWARMGRAPH_TEST_PAUSE=<phase>: announce the pause and wait (to be killed) at that phase, so that fault
    tests hit each phase deterministically. Without it: nothing."""
    if os.environ.get(PAUSE_ENV) != phase:
        return
    say(f"{PAUSE_ENV}: paused in the {phase} phase")
    while True:
        time.sleep(1)
