"""The local runtime's configuration: where its home is, what a start chose (ports, memory), the neo4j.conf it
writes, the 0600 password and Neo4j's seeded credential, and the choice of free ports on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from graphdb.errors import RuntimeSetupError

DEFAULT_BOLT_PORT = 7687
DEFAULT_HTTP_PORT = 7474
USERNAME = "neo4j"
PRIVATE_DIR = 0o700  # the home holds an investigation: nobody else on the machine reads it
PRIVATE_FILES = 0o077  # the umask of Neo4j's processes: the store, logs and import files they write are theirs alone

Say = Callable[[str], None]


def swarmgraph_home() -> Path:
    if env := os.environ.get("SWARMGRAPH_HOME"):
        return Path(env).expanduser().resolve()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "swarmgraph"


def make_private_dirs(home: Path, *subdirs: Path) -> None:
    """Create the home and its directories as 0700, and tighten a home created looser by an older version."""
    home.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    os.chmod(home, PRIVATE_DIR)
    for d in subdirs:
        d.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)


@dataclass
class RuntimeState:
    """What a start chose, kept in run/state.json so that status, env and later starts agree."""

    bolt_port: int
    http_port: int
    pid: int | None = None
    java: str | None = None
    started_at: float | None = None
    heap: str | None = None  # what the last start used
    pagecache: str | None = None
    cds_dump: str | None = None  # this run writes the class-data archive at exit (see jars.cds_flags)
    # Where each size came from (memory.choose_memory): a later start keeps an explicit one and chooses an "auto"
    # one again (the store may have grown, e.g. by a bulk import). None: a state written before sizes were chosen.
    heap_from: str | None = None
    pagecache_from: str | None = None
    memory_reason: str | None = None


def load_state(state_file: Path) -> RuntimeState | None:
    if not state_file.is_file():
        return None
    return RuntimeState(**json.loads(state_file.read_text(encoding="utf-8")))


def save_state(state_file: Path, state: RuntimeState) -> None:
    state_file.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    state_file.write_text(json.dumps(asdict(state), indent=1), encoding="utf-8")


def explicit_sizes(state: RuntimeState) -> tuple[str | None, str | None]:
    """The heap and page cache an earlier start was given explicitly (kept by later starts), else None."""
    def kept(value: str | None, source: str | None) -> str | None:
        return value if source not in (None, "auto") else None

    return kept(state.heap, state.heap_from), kept(state.pagecache, state.pagecache_from)


# ----- neo4j.conf ------------------------------------------------------------------------------------------------
CONF_TEMPLATE = """# Written by swarmgraph on every start; edit conf/neo4j.extra.conf to add settings of your own.
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
server.directories.data={data}
server.directories.logs={logs}
server.directories.plugins={plugins}
server.directories.lib={lib}
server.directories.run={run}
server.directories.import={import_dir}
db.tx_log.rotation.retention_policy=2 files
db.tx_log.preallocate=false
"""
# APOC validates its own keys in apoc.conf (neo4j.conf refuses unknown ones). Its loaders may read files inside the
# import directory only (use_neo4j_config: server.directories.import confines them); APOC never writes files.
APOC_CONF = "apoc.export.file.enabled=false\napoc.import.file.enabled=true\napoc.import.file.use_neo4j_config=true\n"


def write_conf(conf_dir: Path, settings: dict[str, object]) -> None:
    """neo4j.conf from the template and `settings`, with neo4j.extra.conf's keys replacing ours; and apoc.conf."""
    conf = CONF_TEMPLATE.format(**settings)
    extra = conf_dir / "neo4j.extra.conf"
    if extra.is_file():
        # The user's settings win: a key they set replaces ours instead of being declared twice.
        extra_text = extra.read_text(encoding="utf-8")
        theirs = {ln.split("=", 1)[0].strip() for ln in extra_text.splitlines() if "=" in ln}
        kept = [ln for ln in conf.splitlines() if ln.split("=", 1)[0].strip() not in theirs]
        conf = "\n".join(kept) + "\n# from neo4j.extra.conf\n" + extra_text
    (conf_dir / "neo4j.conf").write_text(conf, encoding="utf-8")
    (conf_dir / "apoc.conf").write_text(APOC_CONF, encoding="utf-8")


# ----- the password ------------------------------------------------------------------------------------------------
def read_password(password_file: Path, home: Path) -> str:
    if not password_file.is_file():
        raise RuntimeSetupError(f"No local Neo4j has been set up in {home} yet: run `swarmgraph db start`.")
    return password_file.read_text(encoding="utf-8").strip()


def ensure_password(password_file: Path, data_dir: Path) -> None:
    """Generate the password once, keep it 0600, and seed Neo4j's auth file so it never passes through argv."""
    if not password_file.is_file():
        fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(24) + "\n")
    os.chmod(password_file, 0o600)
    auth_ini = data_dir / "dbms" / "auth.ini"
    if (data_dir / "databases" / "system").exists():
        return  # the system database holds the user already; auth.ini is read only before the first start
    auth_ini.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    fd = os.open(auth_ini, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"{USERNAME}:{neo4j_credential(password_file.read_text(encoding='utf-8').strip())}:\n")


def neo4j_credential(password: str) -> str:
    """Neo4j's stored credential: SHA-256 of salt+password, re-hashed to 1024 iterations (Shiro's SimpleHash)."""
    salt = secrets.token_bytes(32)
    digest = hashlib.sha256(salt + password.encode("utf-8")).digest()
    for _ in range(1023):
        digest = hashlib.sha256(digest).digest()
    return f"SHA-256,{digest.hex()},{salt.hex()},1024"


# ----- ports ---------------------------------------------------------------------------------------------------------
def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def port_free(port: int) -> bool:
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


def choose_port(requested: int | None, previous: int | None, default: int, say: Say, what: str,
                avoid: set[int] | None = None) -> int:  # fmt: skip
    """An explicitly requested port must be free (0 means any); otherwise the last one or the default, else any."""
    avoid = avoid or set()
    if requested:
        if requested in avoid or not port_free(requested):
            raise RuntimeSetupError(f"The {what} port {requested} is held by another program; choose another one.")
        return requested
    if requested == 0:
        return free_port(avoid)
    for candidate in (previous, default):
        if candidate and candidate not in avoid and port_free(candidate):
            return candidate
    port = free_port(avoid)
    say(f"{what} port {previous or default} is taken by another program; using {port} instead.")
    return port
