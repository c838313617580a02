"""Running the real command in a child process of its own and reading back its peak memory (the hostile-input
tests' harness: tests/integration/test_hostile_containers.py and test_hostile_inputs.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

RSS_CEILING_KB = 300 * 1024
# Runs the CLI in this process and writes its peak RSS (KB) to argv[1], however it exits. The peak is VmHWM, the
# high-water mark of this process's own memory: ru_maxrss would carry the parent's peak across fork and exec.
WRAPPER = (
    "import re, sys\n"
    "from cli.main import app\n"
    "try:\n"
    "    app(sys.argv[2:], prog_name='swarmgraph')\n"
    "finally:\n"
    "    hwm = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read())\n"
    "    open(sys.argv[1], 'w').write(hwm.group(1) if hwm else '0')\n"
)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    peak_kb: int

    @property
    def summary(self) -> dict[str, object]:
        parsed: dict[str, object] = json.loads(self.stdout)
        return parsed


def swarmgraph(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    rss = tmp_path / f"rss-{len(list(tmp_path.glob('rss-*')))}"
    full_env = {**os.environ, "SWARMGRAPH_HOME": str(tmp_path / "home"), **(env or {})}
    proc = subprocess.run([sys.executable, "-c", WRAPPER, str(rss), *args], capture_output=True, text=True,
                          env=full_env, timeout=300, cwd=tmp_path)  # fmt: skip
    run = Run(proc.returncode, proc.stdout, proc.stderr, int(rss.read_text()))
    assert "Traceback" not in run.stderr + run.stdout
    assert run.peak_kb < RSS_CEILING_KB, f"peak RSS {run.peak_kb / 1024:.0f} MB"
    return run


def dry_run(tmp_path: Path, *paths: Path, env: dict[str, str] | None = None) -> Run:
    rejects = tmp_path / "rejects.jsonl"
    return swarmgraph(tmp_path, "load", "--dry-run", "--json", "--rejects", str(rejects), *map(str, paths), env=env)


def rejects_of(tmp_path: Path) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    return [r for r in rows if "reason" in r]


