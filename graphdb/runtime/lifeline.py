"""Child processes that die with the command that started them: the bulk loader's pool workers and Neo4j's offline
importer. On Linux each child asks the kernel for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG), so even a
SIGKILLed load leaves nothing running; elsewhere the parent's own cleanup (stop_pool, subprocess's kill on an
exception) is all there is. SIGTERM is turned into KeyboardInterrupt, so that a `kill` runs the same cleanup as Ctrl-C.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from types import FrameType

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PRIVATE_UMASK = 0o077  # what the children write (staged CSVs, spills) is the user's alone
# Resolved here, in the parent: a preexec_fn runs between fork and exec, where loading a library could deadlock.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def die_with_parent(parent_pid: int | None = None) -> None:
    """Ask for SIGKILL when the parent dies (Linux; elsewhere nothing). Called in the child itself: as a pool
    initializer or a subprocess's preexec_fn. With `parent_pid`, exit at once when that parent is already gone (it
    died before the request was made, and the kernel would never send the signal)."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)


def pool_initializer(parent_pid: int) -> None:
    """Each bulk pool worker: private files, and no life of its own after the loader's."""
    os.umask(PRIVATE_UMASK)
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool


def importer_preexec() -> None:
    """preexec_fn of the importer subprocess (between fork and exec: async-signal-safe work only, a prctl)."""
    die_with_parent()


def stop_pool(pool: ProcessPoolExecutor, timeout: float = 5.0) -> None:
    """Stop a pool now, busy workers included (shutdown alone waits for the tasks running): cancel what is queued,
    SIGTERM the workers, SIGKILL those still alive after `timeout` s."""
    procs = list((getattr(pool, "_processes", None) or {}).values())  # the executor offers no public handle
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(timeout)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that it unwinds (finally blocks, cleanup) as after Ctrl-C."""


def _raise_terminated(_signum: int, _frame: FrameType | None) -> None:
    raise Terminated("SIGTERM")


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises Terminated (a KeyboardInterrupt). Only the main thread can set handlers: in any
    other thread this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
