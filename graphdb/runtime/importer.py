"""Neo4j's offline importer (`neo4j-admin database import full`) run from the same jars and Java as the server."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from graphdb.errors import RuntimeSetupError
from graphdb.runtime.config import PRIVATE_FILES
from graphdb.runtime.jars import ensure_jars
from graphdb.runtime.java import JVM_FLAGS, find_java
from graphdb.runtime.lifeline import importer_preexec
from graphdb.runtime.memory import IMPORTER_OFF_HEAP

ADMIN_CLASS = "org.neo4j.cli.AdminTool"  # what `neo4j-admin` runs


@dataclass
class ImportJob:
    """What one import reads: each (label or type, path) pair is one input group whose first line is its header.

    `multiline` lists the files whose values hold line breaks: only those are parsed the slow, single-threaded way.
    """

    nodes: list[tuple[str, Path]]
    relationships: list[tuple[str, Path]]
    array_delimiter: str
    log: Path
    multiline: list[Path] = field(default_factory=list)
    threads: int | None = None
    database: str = "neo4j"

    def arguments(self) -> list[str]:
        # The database name comes first: the last --nodes/--relationships option would take it for a file.
        lines = (["--multiline-fields-format=v2", "--multiline-fields=" + ",".join(map(str, self.multiline))]
                 if self.multiline else ["--multiline-fields=false"])  # fmt: skip
        return [
            "database", "import", "full", self.database, "--overwrite-destination=true", *lines,
            f"--array-delimiter={self.array_delimiter}", f"--threads={self.threads or os.cpu_count() or 1}",
            f"--max-off-heap-memory={IMPORTER_OFF_HEAP}",
            # Nothing is skipped: a duplicate node or a relationship to a missing node fails the import.
            "--skip-bad-relationships=false", "--skip-duplicate-nodes=false", f"--report-file={self.log}.report",
            "--verbose",
            *(f"--nodes={label}={path}" for label, path in self.nodes),
            *(f"--relationships={rtype}={path}" for rtype, path in self.relationships),
        ]  # fmt: skip


def run_import(home: Path, conf_dir: Path, heap: str, job: ImportJob) -> None:
    """Replace the job's database with its CSV files (the server must be stopped). The output goes to job.log, led
    by a line saying the memory it was given (heap from the machine's memory: runtime/memory.importer_heap). The
    importer dies with this process, and is killed when this process is interrupted (subprocess.run kills it on
    any exception, KeyboardInterrupt included)."""
    jars = ensure_jars()
    cmd = [find_java(), f"-Xmx{heap}", *JVM_FLAGS, "-cp", jars.classpath(conf_dir), ADMIN_CLASS, *job.arguments()]
    job.log.parent.mkdir(parents=True, exist_ok=True)
    with open(job.log, "wb") as fh:
        fh.write(f"swarmgraph: importer heap {heap}, off-heap at most {IMPORTER_OFF_HEAP} of free memory\n".encode())
        fh.flush()
        proc = subprocess.run(
            cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=home, check=False,
            umask=PRIVATE_FILES, preexec_fn=importer_preexec,  # dies with the load (runtime/lifeline.py)
            env={**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(conf_dir)},
        )  # fmt: skip
    if proc.returncode != 0:
        text = job.log.read_text(encoding="utf-8", errors="replace").splitlines()
        tail = "\n".join(ln for ln in text[-25:] if ln.strip() and not ln.startswith(".........."))
        raise RuntimeSetupError(f"Neo4j's importer failed (exit {proc.returncode}); its log is {job.log}:\n{tail}")
