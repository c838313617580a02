"""Start-up benchmark: how long `swarmgraph --help`, `swarmgraph queries` and a `swarmgraph query` take, against the
same commands of a baseline commit measured in the same run.

    python -m bench.startup_bench                          # baseline c8abdbc (before deferred imports), 9 runs each
    python -m bench.startup_bench --baseline main --runs 15

The baseline is the tree of that commit (`git archive`, the repository is not touched) installed into its own venv
with its own declared dependencies (cached under bench/data; the first run takes a minute of pip). Both CLIs talk to
one local Neo4j in a temporary SWARMGRAPH_HOME holding the test fixtures, reached through NEO4J_URI and
NEO4J_PASSWORD in their environment (an old CLI cannot read the state file a newer runtime writes). A query's
start-up overhead is the command's wall time minus the time the query itself takes on an open connection (measured
in this process, median of the same number of runs). Medians, and the ratio new / old.
Results: bench/results/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
QUERY = ["query", "hashtag_lifecycle", "--param", "min_posts=1", "--format", "json"]
TARGETS = {"--help": 0.5, "queries": 0.5, "query overhead": 0.7}


def baseline_cli(rev: str) -> Path:
    """The baseline's `swarmgraph` executable, built once per commit into bench/data/startup-<commit>/."""
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", rev], capture_output=True, text=True,
                            check=True).stdout.strip()  # fmt: skip
    home = DATA / f"startup-{commit}"
    exe = home / "venv" / "bin" / "swarmgraph"
    if exe.is_file():
        return exe
    shutil.rmtree(home, ignore_errors=True)
    (home / "src").mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(home / "src")], input=archive, check=True)
    print(f"installing the baseline {commit} into {home}/venv (once) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], check=True)
    subprocess.run([str(home / "venv" / "bin" / "pip"), "install", "-q", str(home / "src")], check=True)
    return exe


def wall(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return times


def query_itself(runs: int) -> list[float]:
    """The prepared query on an open connection, as the command runs it (after two warm-up runs)."""
    from cypher import get_query, parse_assignments, run_query
    from graphdb.db import connect

    prepared = get_query(QUERY[1])
    params = prepared.bind(parse_assignments([QUERY[3]]))
    times = []
    with connect(start_local=False) as db:
        for i in range(runs + 2):
            t0 = time.perf_counter()
            run_query(db, prepared, params)
            if i >= 2:
                times.append(time.perf_counter() - t0)
    return times


def measure(exe: Path, env: dict[str, str], runs: int, query_s: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, args in (("--help", ["--help"]), ("queries", ["queries"]), ("query", QUERY)):
        times = wall([str(exe), *args], env, runs)
        out[name] = {"median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3)}
    out["query overhead"] = {"median_s": round(out["query"]["median_s"] - query_s, 3)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", default="c8abdbc", help="the commit to compare with (default: before this work)")
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    old_exe = baseline_cli(args.baseline)
    new_exe = Path(sys.executable).parent / "swarmgraph"
    home = Path(tempfile.mkdtemp(prefix="swarmgraph-startup-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")} | {"SWARMGRAPH_HOME": str(home)}
    os.environ.update(SWARMGRAPH_HOME=str(home))
    for k in [k for k in os.environ if k.startswith("NEO4J_")]:
        del os.environ[k]
    from etl.load import load_paths
    from graphdb.db import connect
    from graphdb.runtime import LocalRuntime

    runtime = LocalRuntime(home)
    runtime.start(bolt_port=0, http_port=0)
    try:
        with connect(start_local=False) as db:
            load_paths(db, [ROOT / "tests" / "fixtures"], rejects_path=home / "rejects.jsonl")
        # Both CLIs reach the server through the NEO4J_* environment: the baseline cannot read the state file later
        # runtimes write, and both then do the same work to connect.
        from graphdb.settings import local_settings

        local = local_settings(runtime)
        env |= {"NEO4J_URI": local.uri, "NEO4J_USERNAME": local.username, "NEO4J_PASSWORD": local.password}
        query_s = statistics.median(query_itself(args.runs))
        load = os.getloadavg()[0]
        rows = {"old": measure(old_exe, env, args.runs, query_s), "new": measure(new_exe, env, args.runs, query_s)}
    finally:
        runtime.stop()
        shutil.rmtree(home, ignore_errors=True)
    report(rows, query_s, load, args)


def report(rows: dict[str, dict[str, Any]], query_s: float, load: float, args: argparse.Namespace) -> None:
    print(f"\nquery itself (in process, median): {query_s:.3f} s; load average at the start: {load:.1f}")
    print(f"{'command':16} {'old (' + args.baseline + ')':>16} {'new':>10} {'new/old':>8} {'target':>8}")
    for name in ("--help", "queries", "query", "query overhead"):
        old, new = rows["old"][name]["median_s"], rows["new"][name]["median_s"]
        target = TARGETS.get(name)
        verdict = "" if target is None else f"< {target} " + ("met" if new < target else "MISSED")
        print(f"{name:16} {old:>14.3f} s {new:>8.3f} s {new / old:>8.2f} {verdict:>8}")
    result = {"baseline": args.baseline, "runs": args.runs, "query": " ".join(QUERY), "query_itself_s": query_s,
              "load_average": round(load, 2), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              **rows}  # fmt: skip
    out = ROOT / "bench" / "results" / "startup.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"\n{out}")


if __name__ == "__main__":
    main()
