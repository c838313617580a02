"""How much memory the local Neo4j and its offline importer get: chosen at every start from the machine's memory and
the size of the store, unless given (--heap/--pagecache, SWARMGRAPH_HEAP/SWARMGRAPH_PAGECACHE, or an earlier start's
explicit value).

The page cache holds the store files: it is sized to the store with room to grow, so a 10M-post graph is not read
through a 512 MB cache, while a small graph on a shared machine does not claim gigabytes. The heap holds queries'
intermediate results, transaction state and the GDS projections: it grows more slowly with the store. Both are
capped below what Neo4j's own `neo4j-admin server memory-recommendation` gives a machine dedicated to it (for
24 GB: heap 8 GB, page cache 10 GB), since this machine also runs the Python loaders and analyses; and a start on a
machine whose free memory cannot hold the choice gets less page cache (the store is then read from disk more).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import psutil

from graphdb.errors import RuntimeSetupError

MB = 1 << 20
GB = 1 << 30
MIN_HEAP = 1 * GB
MIN_PAGECACHE = 512 * MB
MAX_HEAP = 31 * GB  # beyond this the JVM loses compressed object pointers
HEAP_SHARE = 0.25  # of the machine's memory, at most
PAGECACHE_SHARE = 0.40
STORE_MARGIN = 1.2  # page cache per byte of store: the store grows while the server runs
GROWTH = 512 * MB  # and a fixed margin for what is loaded next
IMPORTER_HEAP_SHARE = 0.125  # the importer keeps its data structures off-heap (see IMPORTER_OFF_HEAP)
IMPORTER_MAX_HEAP = 8 * GB
IMPORTER_OFF_HEAP = "50%"  # of the free memory; Neo4j's default is 90%, too much on a machine doing other work
AUTO = "auto"


@dataclass(frozen=True)
class Machine:
    total: int  # bytes of memory the server may use: the machine's, or the container's limit when lower
    available: int  # free for new processes right now
    store: int  # bytes of store files (data/databases) at this start


@dataclass(frozen=True)
class MemoryChoice:
    heap: str
    pagecache: str
    heap_from: str  # "option", "environment", "last start" or "auto"
    pagecache_from: str
    reason: str  # one line: why these sizes

    def as_dict(self) -> dict[str, str]:
        return {"heap": self.heap, "pagecache": self.pagecache, "heap_from": self.heap_from,
                "pagecache_from": self.pagecache_from, "reason": self.reason}  # fmt: skip


def size_text(n: int) -> str:
    """Bytes as a Neo4j/JVM size: whole gigabytes as `3g`, else megabytes (`1536m`)."""
    return f"{n // GB}g" if n % GB == 0 else f"{max(1, n // MB)}m"


def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+)([kKmMgG]?)", text.strip())
    if not m:
        raise RuntimeSetupError(f"Bad memory size {text!r}: use a number with k, m or g, e.g. 1g or 512m.")
    return int(m.group(1)) * {"": 1, "k": 1 << 10, "m": MB, "g": GB}[m.group(2).lower()]


def _round_up(n: int, step: int) -> int:
    return -(-n // step) * step


def _round_down(n: int, step: int) -> int:
    return n // step * step


def machine_memory() -> int:
    """The machine's memory, or a cgroup (container) limit when that is lower."""
    total = psutil.virtual_memory().total
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            return int(text)
    return total


def store_bytes(data_dir: Path) -> int:
    """The store files the page cache serves: every database under data/databases (transaction logs apart)."""
    total = 0
    for root, _dirs, files in os.walk(data_dir / "databases"):
        for f in files:
            try:
                total += (Path(root) / f).stat().st_size
            except OSError:
                pass
    return total


def current_machine(data_dir: Path) -> Machine:
    return Machine(machine_memory(), psutil.virtual_memory().available, store_bytes(data_dir))


def auto_sizes(m: Machine) -> tuple[int, int, str]:
    """(heap, page cache, why) for this machine and store, by the rules in the module docstring."""
    heap_cap = max(MIN_HEAP, min(MAX_HEAP, _round_down(int(m.total * HEAP_SHARE), 256 * MB)))
    heap = min(heap_cap, max(MIN_HEAP, _round_up(MIN_HEAP + m.store // 4, 256 * MB)))
    pc_cap = max(MIN_PAGECACHE, _round_down(int(m.total * PAGECACHE_SHARE), 256 * MB))
    wanted = max(MIN_PAGECACHE, _round_up(int(m.store * STORE_MARGIN) + GROWTH, 256 * MB))
    pagecache = min(pc_cap, wanted)
    why = (f"machine {m.total / GB:.1f} GB, store {m.store / GB:.2f} GB: page cache {STORE_MARGIN}x the store + "
           f"{GROWTH // MB} MB (at most {PAGECACHE_SHARE:.0%} of memory), heap 1 GB + a quarter of the store "
           f"(at most {HEAP_SHARE:.0%})")  # fmt: skip
    if pagecache < wanted:
        why += f"; the store wants {size_text(wanted)} of page cache, capped"
    room = m.available - heap - GB  # leave a gigabyte to everything else
    if pagecache > room:
        fitted = max(MIN_PAGECACHE, _round_down(room, 256 * MB))
        if fitted < pagecache:
            why += f"; {m.available / GB:.1f} GB free now, so page cache {size_text(fitted)}"
            pagecache = fitted
    return heap, pagecache, why


def _given(name: str, given: str | None, env: str, previous: str | None) -> tuple[str | None, str]:
    """An explicit size (option, environment, else an explicit earlier start) or None for auto; checked."""
    for value, source in ((given, "option"), (os.environ.get(env), "environment"), (previous, "last start")):
        if value:
            if value.strip().lower() == AUTO:
                return None, "auto"
            try:
                parse_size(value)  # refuse a bad size before anything starts
            except RuntimeSetupError:
                raise RuntimeSetupError(
                    f"Bad {name} size {value!r}: use a number with k, m or g (e.g. 1g or 512m), or auto."
                ) from None
            return value.strip(), source
    return None, "auto"


def choose_memory(
    machine: Machine, *, heap: str | None = None, pagecache: str | None = None,
    previous_heap: str | None = None, previous_pagecache: str | None = None,
) -> MemoryChoice:  # fmt: skip
    """Heap and page cache for a start: option, else environment, else the last start's explicit value, else auto.
    `auto` given anywhere first returns that setting to automatic."""
    heap_given, heap_from = _given("heap", heap, "SWARMGRAPH_HEAP", previous_heap)
    pc_given, pc_from = _given("page cache", pagecache, "SWARMGRAPH_PAGECACHE", previous_pagecache)
    auto_heap, auto_pc, why = auto_sizes(machine)
    chosen_heap = heap_given or size_text(auto_heap)
    chosen_pc = pc_given or size_text(auto_pc)
    explicit = [f"{what} {value} from the {src}" for what, value, src in
                (("heap", heap_given, heap_from), ("page cache", pc_given, pc_from)) if value]  # fmt: skip
    reason = "; ".join(explicit) if len(explicit) == 2 else "; ".join([*explicit, "auto: " + why])
    return MemoryChoice(chosen_heap, chosen_pc, heap_from, pc_from, reason)


def importer_heap(total: int | None = None) -> str:
    """The offline importer's heap, from the machine's memory (it keeps its bulk data off-heap)."""
    total = machine_memory() if total is None else total
    return size_text(max(MIN_HEAP, min(IMPORTER_MAX_HEAP, _round_down(int(total * IMPORTER_HEAP_SHARE), 256 * MB))))


def outgrown(store: int, pagecache: str) -> bool:
    """Whether the store no longer fits the page cache chosen at start (a restart would choose again)."""
    return store > parse_size(pagecache)
