"""The local Neo4j server's lifecycle: start it from the cached jars and wait until Bolt answers, stop it
gracefully, tell whether it runs (and is really ours), report its status and log, run the offline importer.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from graphdb.errors import RuntimeSetupError
from graphdb.runtime.config import (
    DEFAULT_BOLT_PORT,
    DEFAULT_HTTP_PORT,
    PRIVATE_FILES,
    USERNAME,
    RuntimeState,
    choose_port,
    ensure_password,
    explicit_sizes,
    load_state,
    make_private_dirs,
    port_open,
    read_password,
    save_state,
    swarmgraph_home,
    write_conf,
)
from graphdb.runtime.guards import check_no_unfinished_import, start_lock, unfinished_import
from graphdb.runtime.importer import ImportJob, run_import
from graphdb.runtime.jars import cds_archive, cds_flags, ensure_jars, install_cds_archive, pinned_versions
from graphdb.runtime.java import JVM_FLAGS, find_java
from graphdb.runtime.memory import (
    MemoryChoice,
    choose_memory,
    current_machine,
    importer_heap,
    outgrown,
    size_text,
    store_bytes,
)

MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
DEFAULT_START_TIMEOUT = 180.0  # seconds until Bolt must answer
Say = Callable[[str], None]


def _quiet(_msg: str) -> None:
    pass


@dataclass
class Status:
    running: bool
    bolt_uri: str | None
    browser_url: str | None
    pid: int | None
    home: str
    data_dir: str
    data_size_bytes: int
    versions: dict[str, str]
    versions_from: str = "pinned"  # "server" when the running server answered; else the POM's pinned versions
    memory: dict[str, str] | None = None  # heap, page cache, where each came from and why (the last start's)
    store_size_bytes: int = 0  # the store files the page cache serves
    memory_note: str | None = None  # e.g. the store has outgrown the page cache chosen at start
    unfinished_import: str | None = None  # a bulk load importing now or left unfinished: what to run

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class LocalRuntime:
    """One local Neo4j server living under one SWARMGRAPH_HOME."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home or swarmgraph_home()
        self.conf_dir = self.home / "conf"
        self.data_dir = self.home / "data"
        self.logs_dir = self.home / "logs"
        self.run_dir = self.home / "run"
        self.import_dir = self.home / "import"
        self.password_file = self.home / "password"
        self.state_file = self.run_dir / "state.json"
        self.console_log = self.logs_dir / "console.log"

    # ----- state -------------------------------------------------------------------------------------------------
    def load_state(self) -> RuntimeState | None:
        return load_state(self.state_file)

    def password(self) -> str:
        return read_password(self.password_file, self.home)

    def running_pid(self) -> int | None:
        """The pid of this home's server when it is alive (and really ours), else None."""
        state = self.load_state()
        if state is None or state.pid is None:
            return None
        try:
            proc = psutil.Process(state.pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            cmdline = proc.cmdline()
        except psutil.Error:
            return None
        if MAIN_CLASS in cmdline and f"--home-dir={self.home}" in cmdline:
            return state.pid
        return None

    def bolt_uri(self) -> str | None:
        state = self.load_state()
        return f"bolt://127.0.0.1:{state.bolt_port}" if state else None

    def browser_url(self) -> str | None:
        state = self.load_state()
        return f"http://127.0.0.1:{state.http_port}/browser/" if state else None

    # ----- start ---------------------------------------------------------------------------------------------------
    def start(
        self,
        *,
        bolt_port: int | None = None,
        http_port: int | None = None,
        heap: str | None = None,
        pagecache: str | None = None,
        timeout: float | None = None,
        say: Say = _quiet,
        announce: bool = False,
        allow_unfinished: bool = False,
    ) -> bool:
        """Start the server and wait until Bolt answers (`timeout` s, default SWARMGRAPH_START_TIMEOUT or 180: a
        heavily shared machine needs more). Returns False when it was already running. One start at a time: another
        command's start in progress is waited for (run/start.lock). A database left unfinished by a bulk load is
        refused with what to run (runtime/guards.py), unless `allow_unfinished` (the bulk loader's own starts)."""
        timeout = timeout or float(os.environ.get("SWARMGRAPH_START_TIMEOUT") or DEFAULT_START_TIMEOUT)
        make_private_dirs(self.home, self.conf_dir, self.data_dir, self.logs_dir, self.run_dir, self.import_dir)
        with start_lock(self.run_dir, timeout + 60, say):
            if not allow_unfinished:
                check_no_unfinished_import(self.run_dir, self.home)
            if self.running_pid() is not None:
                return False
            if announce:
                say(f"Starting the local Neo4j in {self.home} ...")
            self._start(bolt_port, http_port, heap, pagecache, timeout, say)
        return True

    def _start(self, bolt_port: int | None, http_port: int | None, heap: str | None, pagecache: str | None,
               timeout: float, say: Say) -> None:  # fmt: skip
        jars = ensure_jars(say)
        java = find_java(say)
        previous = self.load_state() or RuntimeState(0, 0)
        bolt = choose_port(bolt_port, previous.bolt_port, DEFAULT_BOLT_PORT, say, "Bolt")
        http = choose_port(http_port, previous.http_port, DEFAULT_HTTP_PORT, say, "HTTP", avoid={bolt})
        memory = self.choose_memory(heap, pagecache, previous)
        write_conf(self.conf_dir, {"bolt": bolt, "http": http, "pagecache": memory.pagecache, "data": self.data_dir,
                                   "logs": self.logs_dir, "plugins": jars.plugins, "lib": jars.lib,
                                   "run": self.run_dir, "import_dir": self.import_dir})  # fmt: skip
        ensure_password(self.password_file, self.data_dir)
        cds, dump = cds_flags(jars, java, self.run_dir)
        cmd = [java, f"-Xms{memory.heap}", f"-Xmx{memory.heap}", *JVM_FLAGS, *cds, "-cp", jars.classpath(self.conf_dir),
               MAIN_CLASS, f"--home-dir={self.home}", f"--config-dir={self.conf_dir}", "--console-mode"]  # fmt: skip
        proc = self._spawn(cmd)
        save_state(self.state_file, RuntimeState(bolt, http, proc.pid, java, time.time(), memory.heap,
                                                 memory.pagecache, str(dump) if dump else None, memory.heap_from,
                                                 memory.pagecache_from, memory.reason))  # fmt: skip
        self._wait_ready(proc, bolt, timeout)

    def choose_memory(self, heap: str | None = None, pagecache: str | None = None,
                      previous: RuntimeState | None = None) -> MemoryChoice:  # fmt: skip
        """What a start with these options would give the server (see runtime/memory.py)."""
        kept_heap, kept_pc = explicit_sizes(previous or self.load_state() or RuntimeState(0, 0))
        return choose_memory(current_machine(self.data_dir), heap=heap, pagecache=pagecache, previous_heap=kept_heap,
                             previous_pagecache=kept_pc)  # fmt: skip

    def _spawn(self, cmd: list[str]) -> subprocess.Popen[bytes]:
        with open(self.console_log, "ab") as log:
            log.write(f"\n--- swarmgraph db start {time.strftime('%Y-%m-%dT%H:%M:%S')} ---\n".encode())
            log.flush()
            return subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.home,
                start_new_session=True, umask=PRIVATE_FILES,
                env={**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.conf_dir)},
            )  # fmt: skip

    def _wait_ready(self, proc: subprocess.Popen[bytes], bolt: int, timeout: float) -> None:
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, ServiceUnavailable

        deadline = time.monotonic() + timeout
        uri = f"bolt://127.0.0.1:{bolt}"
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeSetupError(
                    f"Neo4j exited during start-up (exit code {proc.returncode}).\n{self._failure_reason()}"
                )
            if port_open(bolt):
                try:
                    with GraphDatabase.driver(uri, auth=(USERNAME, self.password())) as driver:
                        driver.execute_query("RETURN 1")
                    return
                except AuthError as exc:
                    self.stop()
                    raise RuntimeSetupError(
                        f"Neo4j in {self.home} refused the password in {self.password_file}; the data directory "
                        "was created with another one. Restore that password file or start from a new "
                        "SWARMGRAPH_HOME."
                    ) from exc
                except ServiceUnavailable:
                    pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeSetupError(f"Neo4j did not answer on {uri} within {timeout:.0f} s.\n{self._failure_reason()}")

    def _failure_reason(self) -> str:
        lines = self.log_lines(40)
        errors = [ln for ln in lines if re.search(r"\bERROR\b|Exception|Caused by", ln)]
        reason = ("Reason: " + errors[0].strip()) if errors else ""
        return f"{reason}\nLast lines of {self.console_log}:\n" + "\n".join(lines[-20:])

    # ----- stop, kill ------------------------------------------------------------------------------------------------
    def stop(self, timeout: float = 60.0) -> bool:
        """Stop gracefully (SIGTERM), SIGKILL only after the timeout. Returns False when nothing was running."""
        pid = self.running_pid()
        if pid is None:
            return False
        proc = psutil.Process(pid)
        debug_log = self.logs_dir / "debug.log"
        offset = debug_log.stat().st_size if debug_log.is_file() else 0
        state = self.load_state()
        dumping = state is not None and state.cds_dump is not None
        proc.send_signal(signal.SIGTERM)
        # Once the databases are stopped the rest is network quiet periods: kill, unless the JVM must exit normally
        # to write its class-data archive.
        done = None if dumping else (lambda: _databases_stopped(debug_log, offset))
        if not _wait_exit(proc, timeout, done):
            proc.kill()
            _wait_exit(proc, 10)
        if state is not None:
            if state.cds_dump and state.java:
                install_cds_archive(Path(state.cds_dump), cds_archive(ensure_jars(), state.java))
            state.pid, state.cds_dump = None, None
            save_state(self.state_file, state)
        return True

    def kill(self) -> None:
        """SIGKILL without ceremony: for crash-recovery tests."""
        pid = self.running_pid()
        if pid is not None:
            proc = psutil.Process(pid)
            proc.kill()
            _wait_exit(proc, 10)

    # ----- the offline importer -------------------------------------------------------------------------------------
    def import_full(
        self,
        nodes: list[tuple[str, Path]],
        relationships: list[tuple[str, Path]],
        *,
        array_delimiter: str,
        log: Path,
        multiline: list[Path] | None = None,
        threads: int | None = None,
        database: str = "neo4j",
    ) -> None:
        """Replace `database` with the given CSV files through Neo4j's offline importer (see importer.ImportJob)."""
        if self.running_pid() is not None:
            raise RuntimeSetupError("The local Neo4j is running; stop it before an offline import.")
        if not (self.conf_dir / "neo4j.conf").is_file():
            raise RuntimeSetupError(f"No local Neo4j has been set up in {self.home} yet: run `swarmgraph db start`.")
        job = ImportJob(nodes, relationships, array_delimiter, log, multiline or [], threads, database)
        run_import(self.home, self.conf_dir, importer_heap(), job)

    # ----- status and logs -------------------------------------------------------------------------------------------
    def status(self) -> Status:
        pid = self.running_pid()
        versions, source = pinned_versions(), "pinned"
        if pid is not None:
            live = self._live_versions()
            if live is not None:
                versions, source = live, "server"
        state = self.load_state()
        store = store_bytes(self.data_dir)
        memory, note = None, None
        if state is not None and state.heap and state.pagecache:
            memory = {"heap": state.heap, "pagecache": state.pagecache, "heap_from": state.heap_from or "last start",
                      "pagecache_from": state.pagecache_from or "last start", "reason": state.memory_reason or ""}
            if outgrown(store, state.pagecache):
                note = (f"the store ({size_text(store)}) has outgrown the page cache chosen at start "
                        f"({state.pagecache}); a restart chooses again (`swarmgraph db stop` then `db start`)")
        return Status(
            running=pid is not None,
            bolt_uri=self.bolt_uri(),
            browser_url=self.browser_url(),
            pid=pid,
            home=str(self.home),
            data_dir=str(self.data_dir),
            data_size_bytes=_tree_size(self.data_dir),
            versions=versions,
            versions_from=source,
            memory=memory,
            store_size_bytes=store,
            memory_note=note,
            unfinished_import=unfinished_import(self.run_dir, self.home),
        )

    def _live_versions(self) -> dict[str, str] | None:
        """The versions the running server reports, or None when it does not answer (status still reports)."""
        from neo4j import GraphDatabase
        from neo4j.exceptions import DriverError, Neo4jError

        try:
            with GraphDatabase.driver(self.bolt_uri() or "", auth=(USERNAME, self.password())) as driver:
                records, _, _ = driver.execute_query(
                    "CALL dbms.components() YIELD versions, edition "
                    "RETURN versions[0] AS neo4j, edition, apoc.version() AS apoc, gds.version() AS gds"
                )
        except (DriverError, Neo4jError, OSError, RuntimeSetupError):
            return None
        rec = records[0]
        return {"neo4j": rec["neo4j"], "edition": rec["edition"], "apoc": rec["apoc"], "gds": rec["gds"],
                "browser": pinned_versions()["browser"]}  # fmt: skip

    def log_lines(self, n: int = 50) -> list[str]:
        lines: list[str] = []
        if self.console_log.is_file():
            with open(self.console_log, encoding="utf-8", errors="replace") as fh:
                lines = fh.read().splitlines()
        return lines[-n:] if n > 0 else lines


# ----- helpers -----------------------------------------------------------------------------------------------------

def _wait_exit(proc: psutil.Process, timeout: float, done: Callable[[], bool] | None = None) -> bool:
    """Wait until the process has exited. A zombie counts: when the server was started by another live process
    (a test session, a benchmark), only that process can reap it, and waiting for the pid to vanish would hang.
    When done() turns true first, the process is killed: what is left of its work no longer matters."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                return True
            if done is not None and done():
                proc.kill()
                done = None
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


# Neo4j stops the system database last; once it is stopped every store is checkpointed and closed, and what remains
# of a shutdown is ~10 s of the network layer's quiet periods (measured on 5.26: Bolt waits 5 s twice).
_SYSTEM_STOPPED = b"Stopped 'DatabaseId{00000000[system]}' successfully"


def _databases_stopped(debug_log: Path, offset: int) -> bool:
    try:
        with open(debug_log, "rb") as fh:
            fh.seek(offset)
            return _SYSTEM_STOPPED in fh.read()
    except OSError:
        return False


def _tree_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += (Path(root) / f).stat().st_size
            except OSError:
                pass
    return total
