"""Node positions computed in Python for graphs too big for the browser's physics to lay out in time.

Pivot MDS (Brandes & Pich 2006): breadth-first hop distances from a few pivots, classical MDS on them. It costs
O(pivots x edges) with numpy only, keeps the global shape (hubs, periphery, bridges between clusters), and is what
stress-based layouts use as their start. Nodes at identical distances (the leaves of one hub) are then spread in a
small disc so they do not sit on top of each other.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np

PIVOTS = 50
EDGE_PX = 100.0  # median edge length in pixels: about vis-network's spring length, so physics has little to fix


def pivot_mds_layout(g: nx.Graph, *, pivots: int = PIVOTS, seed: int = 7) -> dict[Any, tuple[float, float]]:
    """Pixel positions (x, y) for every node of g; edges are taken as undirected, parallel edges as one."""
    nodes = list(g.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    pairs = _pairs(g, nodes)
    indptr, indices = _csr(pairs, n)
    distances = _pivot_distances(indptr, indices, min(pivots, n))
    coords = _classical_mds(distances)
    coords = _spread_duplicates(coords, np.random.default_rng(seed))
    coords = _scale(coords, pairs)
    return {node: (round(float(x), 1), round(float(y), 1)) for node, (x, y) in zip(nodes, coords, strict=True)}


def _pairs(g: nx.Graph, nodes: list[Any]) -> np.ndarray:
    index = {node: i for i, node in enumerate(nodes)}
    return np.array([(index[u], index[v]) for u, v in g.edges() if u != v], dtype=np.int64).reshape(-1, 2)


def _csr(pairs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Undirected adjacency as CSR arrays (indptr, indices) over node positions 0..n-1."""
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst[order]


def _bfs(indptr: np.ndarray, indices: np.ndarray, source: int) -> np.ndarray:
    """Hop distance from source to every node (-1 when unreachable), one vectorised step per BFS level."""
    dist = np.full(len(indptr) - 1, -1, dtype=np.int64)
    dist[source] = 0
    frontier = np.array([source])
    level = 0
    while frontier.size:
        level += 1
        starts, counts = indptr[frontier], indptr[frontier + 1] - indptr[frontier]
        total = int(counts.sum())
        if total == 0:
            break
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)
        neighbours = indices[offsets]
        frontier = np.unique(neighbours[dist[neighbours] < 0])
        dist[frontier] = level
    return dist


def _pivot_distances(indptr: np.ndarray, indices: np.ndarray, k: int) -> np.ndarray:
    """n x k hop distances to k pivots picked max-min (each the farthest from those already picked)."""
    n = len(indptr) - 1
    degree = np.diff(indptr)
    out = np.empty((n, k), dtype=np.float64)
    nearest = np.full(n, np.inf)
    pivot = int(np.argmax(degree))
    for j in range(k):
        dist = _bfs(indptr, indices, pivot).astype(np.float64)
        # another component is "one hop beyond the farthest node": components sit side by side, not on top
        dist[dist < 0] = dist.max() + 1
        out[:, j] = dist
        nearest = np.minimum(nearest, dist)
        pivot = int(np.argmax(nearest))
    return out


def _classical_mds(distances: np.ndarray) -> np.ndarray:
    squared = distances**2
    centred = squared - squared.mean(axis=0) - squared.mean(axis=1, keepdims=True) + squared.mean()
    b = -0.5 * centred
    values, vectors = np.linalg.eigh(b.T @ b)
    top = vectors[:, np.argsort(values)[::-1][:2]]
    coords: np.ndarray = b @ top
    if coords.shape[1] < 2:  # fewer than two pivots
        coords = np.column_stack([coords[:, 0], np.zeros(len(coords))])
    return coords


def _spread_duplicates(coords: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Nodes that share a position (same distances to every pivot) spread over a disc that grows with their count."""
    span = float(np.ptp(coords, axis=0).max()) or 1.0
    cell = span / max(np.sqrt(len(coords)), 1.0)
    keys = np.round(coords / (cell * 0.5)).astype(np.int64)
    _, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    radius = cell * 0.5 * np.sqrt(counts[inverse.ravel()])
    angle = rng.uniform(0, 2 * np.pi, len(coords))
    r = radius * np.sqrt(rng.uniform(0, 1, len(coords)))
    spread: np.ndarray = coords + np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return spread


def _scale(coords: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Centre, and scale so the median edge is EDGE_PX long (without edges: about EDGE_PX between neighbours)."""
    coords = coords - coords.mean(axis=0)
    if len(pairs):
        lengths = np.sqrt(((coords[pairs[:, 0]] - coords[pairs[:, 1]]) ** 2).sum(axis=1))
        typical = float(np.median(lengths))
    else:
        typical = float(np.ptp(coords, axis=0).max()) / max(np.sqrt(len(coords)), 1.0)
    return coords * (EDGE_PX / (typical or 1.0))
