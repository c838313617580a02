"""The Neo4j jars: resolved once with Maven from the pinned POM into a cache, then reused with no network; and the
JVM class-data archive kept beside them.

The cache is keyed by the POM's hash, so bumping a version in neo4j-runtime.pom.xml gives a fresh resolution and
the old cache stays untouched. Maven runs with strict checksums: a jar whose checksum does not match is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graphdb.errors import RuntimeSetupError
from graphdb.runtime.java import java_version_text

POM = Path(__file__).with_name("neo4j-runtime.pom.xml")
PLUGIN_GROUPS = ("org.neo4j.gds.", "org.neo4j.procedure.")
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Jars:
    root: Path

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def plugins(self) -> Path:
        return self.root / "plugins"

    def classpath(self, conf_dir: Path) -> str:
        # The launcher's order: plugins first, then conf, then Neo4j's own jars.
        return os.pathsep.join([str(self.plugins / "*"), str(conf_dir / "*"), str(self.lib / "*")])


def pinned_versions() -> dict[str, str]:
    """The versions the POM pins, e.g. {'neo4j': '5.26.30', 'apoc': ..., 'gds': ..., 'browser': ...}."""
    text = POM.read_text(encoding="utf-8")
    return {m.group(1): m.group(2) for m in re.finditer(r"<(\w+)\.version>([^<]+)</\1\.version>", text)}


def cache_root() -> Path:
    if env := os.environ.get("SWARMGRAPH_JARS_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "swarmgraph" / "neo4j-jars"


def _pom_digest() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()[:12]


def cached_jars() -> Jars | None:
    """The complete cache for the current POM, or None when it has not been resolved yet."""
    versions = pinned_versions()
    root = cache_root() / f"neo4j-{versions['neo4j']}-{_pom_digest()}"
    manifest = root / MANIFEST
    if not manifest.is_file():
        return None
    listed = json.loads(manifest.read_text(encoding="utf-8"))["jars"]
    for rel, size in listed.items():
        jar = root / rel
        if not jar.is_file() or jar.stat().st_size != size:
            return None
    return Jars(root)


def ensure_jars(say: Callable[[str], None] = lambda _msg: None) -> Jars:
    """Return the jar cache, resolving it with Maven first when absent (the only step that needs the network)."""
    jars = cached_jars()
    if jars is not None:
        return jars
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeSetupError(
            "Maven (mvn) is needed once to fetch the Neo4j jars and was not found on PATH. "
            "Install it (Debian: apt-get install maven) or point NEO4J_URI at an existing Neo4j 5 server."
        )
    versions = pinned_versions()
    root = cache_root() / f"neo4j-{versions['neo4j']}-{_pom_digest()}"
    say(
        f"Fetching Neo4j {versions['neo4j']}, APOC {versions['apoc']}, GDS {versions['gds']} and the Browser "
        f"with Maven into {root} (once; about 150 MB)..."
    )
    cache_root().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_root(), prefix=".resolve-") as tmp:
        staging = Path(tmp) / "all"
        cmd = [
            mvn, "-B", "-q", "--strict-checksums", "-f", str(POM),
            "dependency:copy-dependencies", "-DincludeScope=runtime", "-Dmdep.prependGroupId=true",
            f"-DoutputDirectory={staging}",
        ]  # fmt: skip
        if repo := os.environ.get("SWARMGRAPH_MAVEN_REPO"):
            cmd.append(f"-Dmaven.repo.local={repo}")
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise RuntimeSetupError(f"Maven could not resolve the Neo4j jars (exit {proc.returncode}):\n{tail}")
        build = Path(tmp) / "jars"
        (build / "lib").mkdir(parents=True)
        (build / "plugins").mkdir()
        listed: dict[str, int] = {}
        for jar in sorted(staging.glob("*.jar")):
            # Procedures must sit in plugins/ to be registered; everything else is Neo4j's own classpath.
            sub = "plugins" if jar.name.startswith(PLUGIN_GROUPS) else "lib"
            target = build / sub / jar.name
            shutil.move(str(jar), target)
            listed[f"{sub}/{jar.name}"] = target.stat().st_size
        (build / MANIFEST).write_text(json.dumps({"versions": versions, "jars": listed}, indent=1), encoding="utf-8")
        if root.exists():
            shutil.rmtree(root)
        build.rename(root)
    say(f"Neo4j jars ready in {root}.")
    return Jars(root)


# ----- the class-data archive ------------------------------------------------------------------------------------
CDS_QUIET = ["-Xlog:cds=off", "-Xlog:cds+dynamic=off"]


def cds_archive(jars: Jars, java: str) -> Path:
    """Where the archive for this Java and this jar set lives (it belongs to both, so it sits in the jar cache)."""
    real = os.path.realpath(java)
    key = hashlib.sha256(f"{real}\n{java_version_text(real)}".encode()).hexdigest()[:16]
    return jars.root / f"classes-{key}.jsa"


def cds_flags(jars: Jars, java: str, run_dir: Path) -> tuple[list[str], Path | None]:
    """Class-data sharing: a JVM archive of the classes Neo4j loads, shared by every home on this machine.

    Starting from it takes ~6.5 s instead of ~10 s (measured). Without one, this run records it into `run_dir`:
    the JVM writes it when it exits normally, so the next stop waits for a full exit once, then moves it into place
    (install_cds_archive). Returns the flags and the path being recorded, if any.
    """
    archive = cds_archive(jars, java)
    if archive.is_file() and archive.stat().st_size > 0:
        return [f"-XX:SharedArchiveFile={archive}", *CDS_QUIET], None
    dump = run_dir / "neo4j-classes.jsa"
    dump.unlink(missing_ok=True)
    return [f"-XX:ArchiveClassesAtExit={dump}", *CDS_QUIET], dump


def install_cds_archive(dump: Path, archive: Path) -> None:
    """Move a freshly written archive into the shared place (the first one wins; a partial one is dropped).

    Best effort by design: without the archive a start is only slower, so a failed copy must not fail a stop.
    """
    try:
        if dump.is_file() and dump.stat().st_size > 0 and not archive.exists():
            tmp = archive.with_name(f"{archive.name}.{os.getpid()}.tmp")  # the home may be on another file system
            shutil.copyfile(dump, tmp)
            os.replace(tmp, archive)
    except OSError:
        pass
    dump.unlink(missing_ok=True)
