"""Running one measured command for the growth benchmark: wall time, and the peak memory of the Python processes
(the command and its workers) and of Java (the importer it starts, and the server it talks to), sampled every 0.2 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

import psutil


class Sampler:
    """Peak RSS (MB) while a block runs: of some processes and their children, Python apart from Java (an importer
    they start), and of the server, looked up at each sample (a bulk load restarts it under a new pid)."""

    def __init__(self, pids: list[int | None], server: Callable[[], int | None] | None = None) -> None:
        self.pids = [p for p in pids if p]
        self.server = server
        self.peaks = {"python_sum_mb": 0.0, "python_max_mb": 0.0, "java_mb": 0.0, "server_mb": 0.0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peaks = {k: round(v) for k, v in self.peaks.items()}

    def _tree(self) -> list[psutil.Process]:
        procs = []
        for pid in self.pids:
            try:
                root = psutil.Process(pid)
                procs += [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
        return procs

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            python = java = 0.0
            for p in self._tree():
                try:
                    rss = p.memory_info().rss / 2**20
                    is_java = "java" in p.name()
                except psutil.Error:
                    continue
                if is_java:
                    java += rss
                else:
                    python += rss
                    self.peaks["python_max_mb"] = max(self.peaks["python_max_mb"], rss)
            self.peaks["python_sum_mb"] = max(self.peaks["python_sum_mb"], python)
            self.peaks["java_mb"] = max(self.peaks["java_mb"], java)
            pid = self.server() if self.server else None
            try:
                rss = psutil.Process(pid).memory_info().rss / 2**20 if pid else 0.0
            except psutil.Error:
                rss = 0.0
            self.peaks["server_mb"] = max(self.peaks["server_mb"], rss)


def _summary(stdout: str) -> dict[str, Any]:
    """The command's JSON output without its long lists (rows, files): what the benchmark keeps."""
    try:
        data = json.loads(stdout)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {"rows": len(data)} if isinstance(data, list) else {}
    kept = {k: v for k, v in data.items() if not isinstance(v, list | dict) or k in ("phases", "seconds")}
    kept.update({f"{k}_count": len(v) for k, v in data.items() if isinstance(v, list)})
    return kept


def run_command(cmd: list[str], env: dict[str, str], server_pid: Callable[[], int | None]) -> dict[str, Any]:
    """Run one command to its end; a failure is recorded (exit code, last lines), not raised."""
    load_before = os.getloadavg()[0]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with Sampler([proc.pid], server=server_pid) as sampler:
        stdout, stderr = proc.communicate()
    wall = time.monotonic() - t0
    result: dict[str, Any] = {"wall_seconds": round(wall, 1), "exit": proc.returncode, "peak_rss_mb": sampler.peaks,
                              "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)]}  # fmt: skip
    if proc.returncode != 0:
        result["error"] = "\n".join(stderr.strip().splitlines()[-5:])
        print(f"    ! {' '.join(cmd[3:6])} failed (exit {proc.returncode}): {result['error']}", flush=True)
    result["output"] = _summary(stdout)
    return result
