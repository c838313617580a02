"""Load benchmark: the batched loader on a large simulated world, side by side with a naive loader on a sample.

    python -m bench.load_bench --posts 1000000            # the issue's figure (several minutes)
    python -m bench.load_bench --posts 50000 --sample 1000 # a quick look

Both loaders read the same files through the same readers into a dedicated local Neo4j (its own SWARMGRAPH_HOME).
The naive loader is what people write first: one transaction per record, one MERGE statement per node and per
relationship. The batched loader runs in a child process (`swarmgraph load`) so its peak memory (max RSS) is its
own. Results go to bench/results/load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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


def wipe(db: Database) -> None:
    db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=2000, help="records for the naive loader")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=20_000)
    ap.add_argument("--heap", default="3g")
    ap.add_argument("--pagecache", default="3g")
    ap.add_argument("--cache", type=Path, default=ROOT / "data", help="where simulated worlds are kept")
    args = ap.parse_args()

    world = simulate_world(args.posts, args.seed, args.cache)
    home = Path(tempfile.mkdtemp(prefix="swarmgraph-bench-"))
    rt = LocalRuntime(home)
    rt.start(bolt_port=0, http_port=0, heap=args.heap, pagecache=args.pagecache)
    settings = ConnectionSettings(rt.bolt_uri() or "", USERNAME, rt.password(), None, True)
    db = Database(settings)
    try:
        ensure_schema(db)
        sample = sample_fragments(world, args.sample)
        t0 = time.monotonic()
        naive_load(db, sample)
        naive_s = time.monotonic() - t0
        naive_rate = len(sample) / naive_s
        print(f"naive loader: {len(sample):,} records in {naive_s:.1f} s = {naive_rate:,.0f} posts/s", flush=True)
        wipe(db)

        env = {**os.environ, "SWARMGRAPH_HOME": str(home)}
        t0 = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "cli.main", "load", str(world), "--json", "--batch-size", str(args.batch_size),
             "--rejects", str(home / "rejects.jsonl")],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        wall = time.monotonic() - t0
        if proc.returncode != 0:
            sys.exit(f"batched load failed:\n{proc.stderr[-3000:]}")
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        summary = json.loads(proc.stdout)
        # Posts are the world's distinct tweets and Telegram messages; post-file records also count the originals
        # that twarc2 pages repeat in includes.tweets, so records/s is reported beside posts/s.
        counts = json.loads((world / "ground_truth.json").read_text())["counts"]
        posts = counts["tweets"] + counts["telegram_messages"]
        post_records = sum(f["records"] for f in summary["files"] if f["format"] in POST_FORMATS)
        post_seconds = sum(f["seconds"] for f in summary["files"] if f["format"] in POST_FORMATS)
        graph = count_graph(db)
        result = {
            "posts": posts,
            "post_file_records": post_records,
            "records": summary["records"],
            "rejected": summary["rejected"],
            "load_wall_seconds": round(wall, 1),
            "post_files_seconds": round(post_seconds, 1),
            "posts_per_second": round(posts / post_seconds),
            "post_records_per_second": round(post_records / post_seconds),
            "records_per_second_overall": round(summary["records"] / wall),
            "naive_sample_records": len(sample),
            "naive_posts_per_second": round(naive_rate, 1),
            # records against records: the naive loader's sample is post-file records through the same reader
            "speedup_vs_naive": round((post_records / post_seconds) / naive_rate, 1),
            "loader_peak_rss_mb": round(peak_mb),
            "graph_nodes": sum(graph["nodes"].values()),
            "graph_relationships": sum(graph["rels"].values()),
            "heap": args.heap,
            "pagecache": args.pagecache,
            "batch_size": args.batch_size,
            "cores": os.cpu_count(),
        }
    finally:
        db.close()
        rt.stop()
        shutil.rmtree(home, ignore_errors=True)
    out = ROOT / "results" / "load.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    for k, v in result.items():
        print(f"{k:28} {v}")
    print(f"-> {out}")


if __name__ == "__main__":
    main()
