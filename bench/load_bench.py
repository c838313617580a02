"""Load benchmark: the bulk and online loaders on a large simulated world, beside a naive loader on a sample.

    python -m bench.load_bench --posts 1000000                 # the issue's figure (about 10 minutes)
    python -m bench.load_bench --posts 50000 --sample 1000     # a quick look
    python -m bench.load_bench --loaders bulk                  # one loader only

Every loader reads the same files through the same readers into its own new local Neo4j (running and empty when
the load starts). The naive loader is what people write first: one transaction per record, one MERGE statement
per node and per relationship. `swarmgraph load` (online, MERGE in batches) and `swarmgraph load --bulk` (parallel
parse, offline import, restart, schema) run as child processes; wall time covers the whole command. Memory is
sampled over the process tree: the Python processes (loader and workers) apart from Java (Neo4j's importer).
Results go to bench/results/load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

from etl.load import count_graph
from etl.readers import FORMATS
from etl.records import NODE_KEYS, Fragment
from graphdb.cypher_text import ident
from graphdb.db import Database
from graphdb.runtime import USERNAME, LocalRuntime
from graphdb.schema import ensure_schema
from graphdb.settings import ConnectionSettings

ROOT = Path(__file__).resolve().parent
POST_FORMATS = {"twarc2", "telegram"}


def simulate_world(posts: int, seed: int, cache: Path) -> Path:
    from simulator import simulate

    world = cache / f"world-{posts}-seed{seed}"
    if not (world / "ground_truth.json").is_file():
        shutil.rmtree(world, ignore_errors=True)
        t0 = time.monotonic()
        simulate(world, seed=seed, posts=posts)
        print(f"simulated {posts:,} posts in {time.monotonic() - t0:.0f} s -> {world}", flush=True)
    return world


def naive_load(db: Database, items: list[Fragment]) -> None:
    """One transaction per record; one statement per node and relationship."""

    def write_one(tx: Any, frag: Fragment) -> None:
        for n in frag.nodes:
            tx.run(f"MERGE (n:{ident(n.label)} {{{ident(NODE_KEYS[n.label])}: $k}}) SET n += $p",
                   k=n.key, p={k: v for k, v in n.props.items() if v is not None})  # fmt: skip
        for r in frag.rels:
            tx.run(
                f"MERGE (a:{ident(r.start.label)} {{{ident(NODE_KEYS[r.start.label])}: $a}}) "
                f"MERGE (b:{ident(r.end.label)} {{{ident(NODE_KEYS[r.end.label])}: $b}}) "
                f"MERGE (a)-[r:{ident(r.type)}]->(b) SET r += $p",
                a=r.start.key, b=r.end.key, p={k: v for k, v in r.props.items() if v is not None},
            )  # fmt: skip

    with db.driver.session() as s:
        for frag in items:
            s.execute_write(write_one, frag)


def sample_fragments(world: Path, n: int) -> list[Fragment]:
    first = sorted((world / "twitter").glob("*.jsonl"))[0]
    return [x for x in islice(FORMATS["twarc2"](first), n) if isinstance(x, Fragment)]


def run_sampled(cmd: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], dict[str, float]]:
    """Run a command and sample its process tree's memory every 0.2 s: the Python processes (the loader and its
    workers) apart from Java (Neo4j's importer), the largest single Python process and their largest sum."""
    import threading

    import psutil

    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks = {"python_sum_mb": 0.0, "python_max_mb": 0.0, "java_mb": 0.0}
    stop = threading.Event()

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while not stop.wait(0.2):
            try:
                tree = [root, *root.children(recursive=True)]
                python, java = 0.0, 0.0
                for p in tree:
                    rss = p.memory_info().rss / 2**20
                    if "java" in p.name():
                        java += rss
                    else:
                        python += rss
                        peaks["python_max_mb"] = max(peaks["python_max_mb"], rss)
                peaks["python_sum_mb"] = max(peaks["python_sum_mb"], python)
                peaks["java_mb"] = max(peaks["java_mb"], java)
            except psutil.Error:
                continue

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    stop.set()
    sampler.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), {k: round(v) for k, v in peaks.items()}


def wipe(db: Database) -> None:
    db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS")


def measure_naive(world: Path, args: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="swarmgraph-bench-naive-"))
    rt = LocalRuntime(home)
    rt.start(bolt_port=0, http_port=0, heap=args.heap, pagecache=args.pagecache)
    db = Database(ConnectionSettings(rt.bolt_uri() or "", USERNAME, rt.password(), None, True))
    try:
        ensure_schema(db)
        sample = sample_fragments(world, args.sample)
        t0 = time.monotonic()
        naive_load(db, sample)
        seconds = time.monotonic() - t0
    finally:
        db.close()
        rt.stop()
        shutil.rmtree(home, ignore_errors=True)
    rate = len(sample) / seconds
    print(f"naive loader: {len(sample):,} records in {seconds:.1f} s = {rate:,.1f} records/s", flush=True)
    return {"sample_records": len(sample), "seconds": round(seconds, 1), "records_per_second": round(rate, 1)}


def measure(loader: str, world: Path, posts: int, naive_rate: float, args: argparse.Namespace) -> dict[str, Any]:
    """One loader on the whole world, into a new local Neo4j that is running and empty when the load starts."""
    home = Path(tempfile.mkdtemp(prefix=f"swarmgraph-bench-{loader}-"))
    rt = LocalRuntime(home)
    rt.start(bolt_port=0, http_port=0, heap=args.heap, pagecache=args.pagecache)
    env = {**os.environ, "SWARMGRAPH_HOME": str(home)}
    # each loader with its own default batch size unless one is given
    batch = ["--batch-size", str(args.batch_size)] if args.batch_size else []
    cmd = [sys.executable, "-m", "cli.main", "load", str(world), "--json", "--rejects", str(home / "rejects.jsonl"),
           *batch, *(["--bulk"] if loader == "bulk" else [])]  # fmt: skip
    try:
        load_before = os.getloadavg()[0]
        t0 = time.monotonic()
        proc, memory = run_sampled(cmd, env)
        wall = time.monotonic() - t0
        if proc.returncode != 0:
            sys.exit(f"{loader} load failed:\n{proc.stderr[-3000:]}")
        summary = json.loads(proc.stdout)
        with Database(ConnectionSettings(rt.bolt_uri() or "", USERNAME, rt.password(), None, True)) as db:
            graph = count_graph(db)
    finally:
        rt.stop()
        shutil.rmtree(home, ignore_errors=True)
    post_records = sum(f["records"] for f in summary["files"] if f["format"] in POST_FORMATS)
    result = {
        "wall_seconds": round(wall, 1),
        "posts_per_second": round(posts / wall),
        "post_file_records": post_records,
        "records": summary["records"],
        "rejected": summary["rejected"],
        "records_per_second": round(summary["records"] / wall),
        # records against records: the naive loader's sample is post-file records through the same reader
        "speedup_vs_naive": round((post_records / wall) / naive_rate, 1),
        "peak_rss_mb": memory,
        "phases": summary.get("phases", {}),
        "graph_nodes": sum(graph["nodes"].values()),
        "graph_relationships": sum(graph["rels"].values()),
        "load_average_before": round(load_before, 1),
        "load_average_after": round(os.getloadavg()[0], 1),
    }
    print(f"{loader}: {json.dumps(result)}", flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=2000, help="records for the naive loader")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=None, help="rows per batch (default: each loader's own)")
    ap.add_argument("--heap", default="3g")
    ap.add_argument("--pagecache", default="3g")
    ap.add_argument("--loaders", default="bulk,online", help="which of bulk,online to run")
    ap.add_argument("--cache", type=Path, default=ROOT / "data", help="where simulated worlds are kept")
    args = ap.parse_args()

    world = simulate_world(args.posts, args.seed, args.cache)
    # Posts are the world's distinct tweets and Telegram messages; post-file records also count the originals
    # that twarc2 pages repeat in includes.tweets.
    counts = json.loads((world / "ground_truth.json").read_text())["counts"]
    posts = counts["tweets"] + counts["telegram_messages"]
    naive = measure_naive(world, args)
    result: dict[str, Any] = {"posts": posts, "naive": naive}
    for loader in args.loaders.split(","):
        result[loader] = measure(loader.strip(), world, posts, naive["records_per_second"], args)
    result.update(heap=args.heap, pagecache=args.pagecache, batch_size=args.batch_size, cores=os.cpu_count())
    out = ROOT / "results" / "load.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    print(f"-> {out}")


if __name__ == "__main__":
    main()
