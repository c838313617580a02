"""Growth benchmark (`make bench-scale`): how load, queries, analyses and views grow from 100k to 10M posts.

    python -m bench.scale_bench                                    # 100k, 1M, 3M, 10M posts: hours; run unattended
    python -m bench.scale_bench --sizes 100000,1000000 --repeat 10 # the development curve
    python -m bench.scale_bench --sizes 10000000 --skip online     # one size, without the online full load
    python -m bench.scale_bench --sizes 1000000 --skip viz,increment,online --analyses reports \
        --out bench/results/scale_queries_1m.json                  # the queries again after a change to them

Per size, a simulated world (`swarmgraph simulate --posts N`, cached under bench/data) and, every step in a new local
Neo4j whose memory swarmgraph chooses itself (runtime/memory.py), with the whole commands run as child processes:
  bulk        `load --bulk` into an empty database; the importer's own rows/s from its log (same run)
  analyses    every `analyze` command on the bulk-loaded graph
  queries     every prepared query, p50/p95 over --repeat runs rotating over representative seeds, and the
              database hits of one PROFILE run; the live whole-graph reports once each, for the materialised ones
  viz         `viz` of a 2,000-node selection around the busiest video (and `report` when there is one)
  increment   `load` of 100k more posts (a second world in a later window) into the loaded graph, and the same files
              into an empty database (the baseline, same batch, same run)
  online      `load` of the whole world into an empty database
Each reports wall time, peak RSS of the Python processes (largest one and their sum) and of Java (the server, the
importer), store size and the load average. Results go to bench/results/scale.json after every step, so a long run
keeps what it did and a rerun skips the sizes done (--again to redo); the curves to bench/results/scale.png.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.load_bench import simulate_world
from bench.query_bench import percentile, seed_params
from bench.scale_report import print_table, write_plot
from bench.scale_run import Sampler, run_command
from cypher import load_catalogue, parse_query_file, run_query
from graphdb.db import Database
from graphdb.runtime import USERNAME, LocalRuntime
from graphdb.runtime.memory import store_bytes
from graphdb.settings import ConnectionSettings

ROOT = Path(__file__).resolve().parent
LIVE_REPORTS = ROOT.parent / "tests" / "integration" / "live_reports"  # the reports before materialisation
SLOWER = ROOT.parent / "tests" / "integration" / "slower"  # queries before a rewrite for speed
INCREMENT_POSTS, INCREMENT_SEED, INCREMENT_START = 100_000, 2, "2015-12-01T00:00:00Z"  # a later, disjoint window
ANALYSES: list[tuple[str, list[str]]] = [
    ("coordination", ["coordination"]),
    ("bridging", ["bridging"]),
    ("communities", ["communities"]),
    ("successors", ["successors"]),
    ("resilience top:degree:20", ["resilience", "--remove", "top:degree:20"]),
    ("resilience top:betweenness:20", ["resilience", "--remove", "top:betweenness:20"]),
    ("reports", ["reports"]),
]
STEPS = ("bulk", "analyses", "queries", "viz", "increment", "online")


class Server:
    """One new local Neo4j home for one step, removed afterwards."""

    def __init__(self, name: str, work: Path) -> None:
        self.home = Path(tempfile.mkdtemp(prefix=f"scale-{name}-", dir=work))
        self.runtime = LocalRuntime(self.home)
        self.runtime.start(bolt_port=0, http_port=0)
        self.env = {**os.environ, "SWARMGRAPH_HOME": str(self.home)}
        for key in ("NEO4J_URI", "SWARMGRAPH_HEAP", "SWARMGRAPH_PAGECACHE"):
            self.env.pop(key, None)

    def db(self) -> Database:
        rt = self.runtime
        return Database(ConnectionSettings(rt.bolt_uri() or "", USERNAME, rt.password(), None, True))

    def pid(self) -> int | None:
        return self.runtime.running_pid()

    def memory(self) -> dict[str, Any]:
        state = self.runtime.load_state()
        return {"heap": state.heap, "pagecache": state.pagecache, "why": state.memory_reason} if state else {}

    def cli(self, *args: str) -> dict[str, Any]:
        return run_command([sys.executable, "-m", "cli.main", *args], self.env, self.pid)

    def close(self, keep: bool = False) -> None:
        self.runtime.stop()
        if not keep:
            shutil.rmtree(self.home, ignore_errors=True)


def posts_in(world: Path) -> int:
    counts = json.loads((world / "ground_truth.json").read_text())["counts"]
    return int(counts["tweets"] + counts["telegram_messages"])


def increment_world(cache: Path) -> Path:
    from simulator import simulate

    world = cache / f"increment-{INCREMENT_POSTS}-seed{INCREMENT_SEED}"
    if not (world / "ground_truth.json").is_file():
        shutil.rmtree(world, ignore_errors=True)
        simulate(world, seed=INCREMENT_SEED, posts=INCREMENT_POSTS, start=INCREMENT_START)
    return world


def importer_figures(home: Path, rows: int) -> dict[str, Any]:
    """The importer's own time (its log's `IMPORT DONE in ...`) and rows/s."""
    import re

    log = home / "logs" / "bulk-import.log"
    text = log.read_text(errors="replace") if log.is_file() else ""
    m = re.search(r"IMPORT DONE in (?:(\d+)m )?(\d+)s (\d+)ms", text)
    if not m:
        return {}
    seconds = int(m.group(1) or 0) * 60 + int(m.group(2)) + int(m.group(3)) / 1000
    return {"seconds": round(seconds, 1), "rows": rows, "rows_per_second": round(rows / seconds)}


def graph_counts(db: Database) -> dict[str, int]:
    from etl.load import count_graph

    c = count_graph(db)
    return {"nodes": sum(c["nodes"].values()), "relationships": sum(c["rels"].values()), "posts": c["nodes"]["Post"]}


def db_hits(db: Database, statement: str, params: dict[str, Any]) -> int:
    """Total database hits of one PROFILE run of a statement."""
    from typing import LiteralString, cast

    def total(plan: Any) -> int:
        return int(plan.get("dbHits", 0)) + sum(total(c) for c in plan.get("children", []))

    with db.driver.session(database=db.settings.database) as s:
        result = s.run(cast(LiteralString, "PROFILE " + statement), params)
        for _ in result:  # consumed unread, some plans refuse their profile ("not materialised yet")
            pass
        summary = result.consume()
    return total(summary.profile or {})


# The same-run baseline for latencies: a round trip, and a fixed amount of Cypher work that touches no data. On a
# busy machine both grow, and the queries' figures are read against them.
CALIBRATION = {"baseline: RETURN 1": "RETURN 1 AS x",
               "baseline: sum over 1M integers": "UNWIND range(1, 1000000) AS i RETURN sum(i) AS x"}


def calibrate(db: Database, repeat: int) -> dict[str, dict[str, Any]]:
    out = {}
    for name, statement in CALIBRATION.items():
        db.read(statement)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            db.read(statement)
            times.append(time.perf_counter() - t0)
        out[name] = {"p50_ms": round(percentile(times, 0.5) * 1000, 1),
                     "p95_ms": round(percentile(times, 0.95) * 1000, 1)}
        print(f"    {name:26} p50 {out[name]['p50_ms']:9.1f} ms  p95 {out[name]['p95_ms']:9.1f} ms", flush=True)
    return out


def time_queries(db: Database, repeat: int, seeds: int) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    params = seed_params(db, seeds)
    for name, query in load_catalogue().items():
        sets = params[name]
        for p in sets[:2]:  # warm-up: planning and page faults
            run_query(db, query, p)
        times = []
        for i in range(repeat):
            t0 = time.perf_counter()
            run_query(db, query, sets[i % len(sets)])
            times.append(time.perf_counter() - t0)
        out[name] = {"p50_ms": round(percentile(times, 0.5) * 1000, 1),
                     "p95_ms": round(percentile(times, 0.95) * 1000, 1),
                     "db_hits": db_hits(db, query.statement, query.bind(sets[0])), "materialised": query.materialised,
                     "runs": repeat, "seeds": len(sets)}  # fmt: skip
        print(f"    {name:26} p50 {out[name]['p50_ms']:9.1f} ms  p95 {out[name]['p95_ms']:9.1f} ms  "
              f"{out[name]['db_hits']:>12,} db hits", flush=True)  # fmt: skip
    return out


def live_reports(db: Database, seeds: int) -> dict[str, dict[str, Any]]:
    """The whole-graph reports as they were computed before `analyze reports`, and the queries as they were before
    a rewrite for speed: one timed run and one PROFILE each, with the first parameters the queries step used."""
    out = {}
    params = seed_params(db, seeds)
    for path in sorted([*LIVE_REPORTS.glob("*.cypher"), *SLOWER.glob("*.cypher")]):
        q = parse_query_file(path)
        given = params.get(q.name, [{}])[0]
        t0 = time.perf_counter()
        run_query(db, q, given)
        ms = (time.perf_counter() - t0) * 1000
        out[q.name] = {"ms": round(ms, 1), "db_hits": db_hits(db, q.statement, q.bind(given))}
        print(f"    live {q.name:21} {ms:9.1f} ms  {out[q.name]['db_hits']:>12,} db hits", flush=True)
    return out


def top_video(db: Database) -> str | None:
    _, rows = db.read("MATCH (v:Video)<-[:SERVES]-(u:Url) WITH v, count(u) AS n ORDER BY n DESC, v.uid LIMIT 1 "
                      "RETURN v.uid AS uid")  # fmt: skip
    return rows[0]["uid"] if rows else None


def step_loaded(world: Path, increment: Path, args: argparse.Namespace, r: dict[str, Any], save: Any) -> None:
    """Bulk load, then on that graph the analyses, queries, views and the increment."""
    server = Server("bulk", args.work)
    try:
        r["bulk"] = server.cli("load", "--bulk", str(world), "--json", "--rejects", str(server.home / "rej.jsonl"))
        with server.db() as db:
            r["graph"] = graph_counts(db)
        r["bulk"]["importer"] = importer_figures(server.home, r["graph"]["nodes"] + r["graph"]["relationships"])
        r["store_bytes"] = store_bytes(server.home / "data")
        r["memory_after_bulk"] = server.memory()
        save()
        if "analyses" not in args.skip:
            r["analyses"] = {}
            for name, cmd in ANALYSES:
                if args.analyses and cmd[0] not in args.analyses:
                    continue
                r["analyses"][name] = server.cli("analyze", *cmd, "--format", "json")
                print(f"  analyze {name:28} {r['analyses'][name]['wall_seconds']:8.1f} s", flush=True)
                save()
        if "queries" not in args.skip:
            with server.db() as db, Sampler([], server=server.pid) as java:
                r["calibration"] = calibrate(db, args.repeat)
                r["queries"] = time_queries(db, args.repeat, args.seeds)
                r["live_reports"] = live_reports(db, args.seeds)
                video = top_video(db)
            r["queries_server_rss_mb"] = java.peaks
            save()
        if "viz" not in args.skip and video:
            r["viz"] = server.cli("viz", "--seed", f"video:{video}", "--hops", "3", "--max-nodes", "2000",
                                  "-o", str(server.home / "view.html"))  # fmt: skip
            save()
        if "increment" not in args.skip:
            r["increment_loaded"] = server.cli("load", str(increment), "--json", "--rejects",
                                               str(server.home / "inc.jsonl"))  # fmt: skip
            save()
    finally:
        server.close(args.keep)


def step_empty(name: str, source: Path, args: argparse.Namespace) -> dict[str, Any]:
    server = Server(name, args.work)
    try:
        result = server.cli("load", str(source), "--json", "--rejects", str(server.home / "rej.jsonl"))
        result["store_bytes"] = store_bytes(server.home / "data")
        return result
    finally:
        server.close(args.keep)


def bench_size(n: int, args: argparse.Namespace, save_all: Any) -> dict[str, Any]:
    world = simulate_world(n, args.seed, args.cache)
    increment = increment_world(args.cache)
    r: dict[str, Any] = {"posts": posts_in(world), "increment_posts": posts_in(increment),
                         "load_average_start": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip

    def save() -> None:
        save_all(n, r)

    step_loaded(world, increment, args, r, save)
    if "increment" not in args.skip:
        r["increment_empty"] = step_empty("increment", increment, args)
        save()
    if "online" not in args.skip:
        r["online"] = step_empty("online", world, args)
    r["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    save()
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000,3000000,10000000", help="post counts, comma-separated")
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    ap.add_argument("--seeds", type=int, default=5, help="seeds rotated over by seeded queries")
    ap.add_argument("--seed", type=int, default=1, help="simulation seed")
    ap.add_argument("--skip", default="", help=f"steps to leave out, comma-separated: {', '.join(STEPS)}")
    ap.add_argument("--analyses", default="", help="only these analyses, comma-separated (default: every one: "
                    f"{', '.join(sorted({c[0] for _, c in ANALYSES}))}); the queries reading the others then find "
                    "nothing written")
    ap.add_argument("--cache", type=Path, default=ROOT / "data", help="where simulated worlds are kept")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()), help="where the Neo4j homes go")
    ap.add_argument("--keep", action="store_true", help="keep each step's Neo4j home")
    ap.add_argument("--again", action="store_true", help="redo sizes already in the results")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "scale.json")
    args = ap.parse_args()
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    args.analyses = {s.strip() for s in args.analyses.split(",") if s.strip()}
    if unknown := args.analyses - {c[0] for _, c in ANALYSES}:
        ap.error(f"no analysis named {', '.join(sorted(unknown))}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the step's Neo4j on the way out (finally)
    report: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    report.setdefault("sizes", {})
    memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    report["machine"] = {"cores": os.cpu_count(), "memory_gb": memory_gb}

    def save_all(n: int, r: dict[str, Any]) -> None:
        report["sizes"][str(n)] = r
        report["sizes"] = dict(sorted(report["sizes"].items(), key=lambda kv: int(kv[0])))
        args.out.parent.mkdir(exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n")

    for n in (int(s) for s in args.sizes.split(",") if s.strip()):
        if str(n) in report["sizes"] and "load_average_end" in report["sizes"][str(n)] and not args.again:
            print(f"{n:,} posts: done before (--again to redo)", flush=True)
            continue
        print(f"== {n:,} posts", flush=True)
        bench_size(n, args, save_all)
        write_plot(report, args.out.with_suffix(".png"))
    write_plot(report, args.out.with_suffix(".png"))
    print_table(report)
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
