"""The pure parts of the analyses: co-sharing sweeps, the chance test, quantiles, groups, successor scoring,
resilience's reachability, the flow statements by kind."""

from __future__ import annotations

import math

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphdb.analytics.bridging import MIN_SOURCES, WORK, sources_for
from graphdb.analytics.coordination import (
    PairEvidence,
    Shares,
    chance_test,
    co_shares,
    connected_groups,
    coordination_interval,
    find_coordinated_pairs,
    log_poisson_tail,
    poisson_tail,
    quantile,
)
from graphdb.analytics.projection import _FLOWS, _KINDS, FLOW_KINDS, STRUCTURE_ONLY, read_flows_query
from graphdb.analytics.reports import TAG_BATCH, TAG_POSTS, tag_batches
from graphdb.analytics.resilience import _audiences, _videos_reaching
from graphdb.analytics.successors import Candidate, Suspended, handle_score, score


def test_co_shares_pair_distinct_accounts_within_the_window_and_count_objects() -> None:
    shares = {
        "u1": [("a", 0), ("b", 30), ("c", 100), ("a", 110)],
        "u2": [("b", 5), ("a", 0)],
        "u3": [("a", 0), ("a", 1)],
    }
    pairs = co_shares({k: sorted(v, key=lambda s: s[1]) for k, v in shares.items()}, window=60)
    assert {k: (e.weight, e.co_shares) for k, e in pairs.items()} == {
        ("a", "b"): (2, 2), ("a", "c"): (1, 1)}  # fmt: skip
    assert pairs[("a", "b")].objects == {"u1", "u2"}


def test_p_values_far_in_the_tail_are_exact_not_rounding_noise() -> None:
    """P(X >= k) summed term by term here (math.lgamma, no scipy) against the analysis' value."""
    from graphdb.analytics.coordination import log_poisson_tail

    def by_hand(k: int, mean: float) -> float:
        logs = [j * math.log(mean) - mean - math.lgamma(j + 1) for j in range(k, k + 80)]
        top = max(logs)
        return top + math.log(math.fsum(math.exp(x - top) for x in logs))

    assert poisson_tail(30, 0.5) == pytest.approx(math.exp(by_hand(30, 0.5)), rel=1e-9)
    assert 1e-43 < poisson_tail(30, 0.5) < 1e-41  # not 0.0, not 1.1e-16 (1 - sum of the rest)
    assert log_poisson_tail(400, 0.01) == pytest.approx(by_hand(400, 0.01), rel=1e-9)  # p ~ 1e-1670: log only
    assert poisson_tail(400, 0.01) == 0.0


def test_poisson_tail_and_quantile() -> None:
    assert poisson_tail(0, 3.0) == 1.0
    assert poisson_tail(1, 2.0) == pytest.approx(1 - math.exp(-2.0))
    assert poisson_tail(3, 0.0) == 0.0
    assert quantile([1, 2, 3, 4], 0.5) == 2.5 and quantile([], 0.9) == 0.0 and quantile([7], 0.9) == 7


def test_a_group_posting_together_is_coordinated_and_busy_chance_co_sharers_are_not() -> None:
    shares: dict[str, list[tuple[str, int]]] = {}
    for burst in range(8):  # three accounts post the same fresh link within seconds, eight times
        t = burst * 86_400
        shares[f"burst{burst}"] = [("g1", t), ("g2", t + 5), ("g3", t + 12)]
    for hour in range(40):  # two busy accounts keep posting the same popular link minutes apart
        t = 1_000_000 + hour * 3600
        shares.setdefault("popular", []).extend([("x", t), ("y", t + 50 if hour % 20 == 0 else t + 900)])
    pairs, kept, threshold = find_coordinated_pairs(shares, window=60, min_repeats=2, percentile=0.0, alpha=0.01,
                                                    null_window=3600)  # fmt: skip
    assert threshold == 2.0
    assert set(kept) == {("g1", "g2"), ("g1", "g3"), ("g2", "g3")}
    assert ("x", "y") in pairs and pairs[("x", "y")].co_shares == 2  # co-shared, but as often as chance predicts
    assert connected_groups(list(kept)) == [["g1", "g2", "g3"]]


def test_connected_groups_are_sorted_largest_first() -> None:
    assert connected_groups([("d", "e"), ("a", "b"), ("b", "c")]) == [["a", "b", "c"], ["d", "e"]]


def test_coordination_interval_is_the_quick_quantile_of_time_to_half_the_shares() -> None:
    shares = {"u1": [("a", 0), ("b", 10), ("c", 20), ("d", 30)], "u2": [("a", 0), ("b", 100)]}
    assert coordination_interval(shares, q=0.0) == 10.0 and coordination_interval(shares, q=1.0) == 100.0


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [("kotimi", "kotimi2", 1.0), ("kotimi2", "kotimi3", 1.0), ("kotimi3", "kotimi2", 0.5), ("abc", "xyz", 0.0),
     (None, "x", 0.0)],
)  # fmt: skip
def test_handle_scores_favour_a_numbered_continuation(old: str | None, new: str, expected: float) -> None:
    assert handle_score(old, new)[0] == expected


def test_successor_score_combines_handle_name_links_audience_and_timing() -> None:
    s = Suspended("twitter:1", "twitter", "kotimi", "Kotimi", gone=1_000_000, last_post=990_000,
                  links=["https://a.org/1", "https://a.org/2"], audience={"twitter:9"})  # fmt: skip
    heir = Candidate("twitter:2", "twitter", "kotimi2", "Kotimi", first_post=1_003_600,
                     links=["https://a.org/2", "https://b.org/3"], audience={"twitter:9", "twitter:8"})  # fmt: skip
    stranger = Candidate("twitter:3", "twitter", "zzz", "Other", first_post=1_500_000)
    best, other = score(s, heir, max_gap_hours=168), score(s, stranger, max_gap_hours=168)
    assert best.scores == {"handle": 1.0, "name": 1.0, "links": 0.5, "audience": 0.5, "timing": 0.994}
    assert best.confidence == pytest.approx(0.35 + 0.15 + 0.125 + 0.075 + 0.0994)
    assert "handle @kotimi2 continues @kotimi" in best.evidence and "first post 1.0 h after" in best.evidence
    assert other.confidence < 0.1


# ------------------------------------------------------------------------------------- resilience's reachability


def _reached_by_traversal(graph: nx.DiGraph, sources: list[str], removed: set[str]) -> set[str]:
    """The plain way: one traversal from a video's copies (what resilience did before the bitsets)."""
    seen = {s for s in sources if s in graph and s not in removed}
    stack = list(seen)
    while stack:
        for nxt in graph.successors(stack.pop()):
            if nxt not in seen and nxt not in removed:
                seen.add(nxt)
                stack.append(nxt)
    return seen


@settings(max_examples=150, deadline=None)
@given(
    edges=st.lists(st.tuples(st.integers(0, 24), st.integers(0, 24)), max_size=120),
    videos=st.lists(st.lists(st.integers(0, 30), max_size=4), min_size=1, max_size=12),
    removed=st.sets(st.integers(0, 24), max_size=6),
)
def test_the_one_pass_bitsets_reach_what_a_traversal_per_video_reaches(
    edges: list[tuple[int, int]], videos: list[list[int]], removed: set[int]
) -> None:
    """Cycles, self-loops, copies outside the graph (25-30) and removed sources included."""
    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(f"n{i}" for i in range(0, 25, 3))
    graph.add_edges_from((f"n{a}", f"n{b}") for a, b in edges)
    copies = [[f"n{i}" for i in v] for v in videos]
    cut = {f"n{i}" for i in removed}
    for gone in (set(), cut):
        reaching = _videos_reaching(graph, copies, gone)
        for i, sources in enumerate(copies):
            reached = _reached_by_traversal(graph, sources, gone)
            assert {n for n, bits in reaching.items() if bits >> i & 1} == reached
        nodes = sorted(n for n in graph if n not in gone)
        expected = [len(_reached_by_traversal(graph, sources, gone) & set(nodes)) for sources in copies]
        assert _audiences(reaching, nodes, len(copies), chunk=4) == expected  # chunks of 4: the seams too


def test_flow_statements_are_picked_by_kind() -> None:
    assert set(_KINDS) == set(_FLOWS)
    assert {k for kinds in _KINDS.values() for k in kinds} == set(FLOW_KINDS) | set(STRUCTURE_ONLY)
    links = read_flows_query(("repost", "quote", "reply", "forward", "mention"))
    assert ":LINKS_TO" not in links and ":LISTS" not in links and ":REDIRECTS_TO" not in links
    assert ":FORWARDED_FROM" in links and ":MENTIONS" in links
    assert all(body in read_flows_query() for body in _FLOWS.values())
    with pytest.raises(ValueError):
        read_flows_query(("no such kind",))


# ------------------------------------------------------------------ coordination's sweeps (co-shares, chance test)


def _co_shares_by_loops(shares: Shares, window: int) -> dict[tuple[str, str], PairEvidence]:
    """The co-sharing sweep share pair by share pair, as it was before numpy."""
    pairs: dict[tuple[str, str], PairEvidence] = {}
    for obj, items in shares.items():
        for i, (a, t) in enumerate(items):
            for b, u in items[i + 1 :]:
                if u - t > window:
                    break
                if a != b:
                    pairs.setdefault((a, b) if a < b else (b, a), PairEvidence()).add(obj, u)
    return pairs


def _chance_by_loops(pairs: dict[tuple[str, str], PairEvidence], shares: Shares, window: int, null: int) -> None:
    """The chance test share pair by share pair, as it was before numpy."""
    for items in shares.values():
        for i, (a, t) in enumerate(items):
            for b, u in items[i + 1 :]:
                if u - t > null:
                    break
                evidence = pairs.get((a, b) if a < b else (b, a))
                if evidence is not None and a != b:
                    evidence.near += 1
    for evidence in pairs.values():
        evidence.expected = window / null * evidence.near
        evidence.log_p = log_poisson_tail(evidence.co_shares, evidence.expected)
        evidence.p_value = math.exp(evidence.log_p)


@settings(max_examples=120, deadline=None)
@given(
    shares=st.dictionaries(
        st.sampled_from([f"u{i}" for i in range(6)]),
        st.lists(st.tuples(st.sampled_from("abcdefg"), st.integers(0, 400)), max_size=40),
        max_size=6,
    ),
    chunk=st.sampled_from([1, 3, 50, 4_000_000]),
)
def test_the_numpy_sweeps_count_what_the_share_by_share_loops_count(shares: Shares, chunk: int) -> None:
    """Same accounts sharing twice, ties in time, accounts outside every tested pair, chunk seams (a chunk of 1)."""
    import graphdb.analytics.coordination as coordination

    ordered = {k: sorted(v, key=lambda s: s[1]) for k, v in shares.items()}
    with pytest.MonkeyPatch.context() as m:
        m.setattr(coordination, "NEAR_CHUNK", chunk)
        ours = co_shares(ordered, window=20)
        chance_test(ours, ordered, 20, 100)
    theirs = _co_shares_by_loops(ordered, window=20)
    _chance_by_loops(theirs, ordered, 20, 100)
    assert {k: (e.objects, e.co_shares, e.first_at, e.last_at) for k, e in ours.items()} == {
        k: (e.objects, e.co_shares, e.first_at, e.last_at) for k, e in theirs.items()}  # fmt: skip
    assert {k: (e.near, e.expected, e.log_p, e.p_value) for k, e in ours.items()} == {
        k: (e.near, e.expected, e.log_p, e.p_value) for k, e in theirs.items()}  # fmt: skip


def test_the_chance_test_of_many_pairs_keeps_the_far_tail_exact() -> None:
    """k far above its mean: logsf underflows below -700 and the scalar tail sum takes over, as for one pair."""
    pairs = {("a", "b"): PairEvidence(co_shares=400), ("a", "c"): PairEvidence(co_shares=1)}
    shares: Shares = {"u": [("a", 0), ("b", 1), ("c", 5000)]}
    chance_test(pairs, shares, 1, 3600)
    assert pairs[("a", "b")].log_p == log_poisson_tail(400, 1 / 3600) < -700 * 3
    assert pairs[("a", "c")].near == 0 and pairs[("a", "c")].log_p == -math.inf


def test_betweenness_is_exact_within_the_work_budget_and_sampled_past_it() -> None:
    assert sources_for(4_127, 659_914) is None  # the 1M-post benchmark graph: exact
    assert sources_for(9_394, 5_207_828) == WORK // 5_207_828 == 960  # the 10M one: as many sources as WORK allows
    assert sources_for(1_000_000, 50_000_000) == MIN_SOURCES  # never fewer
    assert sources_for(4_127, 659_914, sample=500) == 500  # asked for
    assert sources_for(400, 1_000, sample=500) is None  # more sources than nodes: exact
    assert sources_for(MIN_SOURCES // 2, WORK) is None  # fewer nodes than the fewest sources: exact


def test_hashtag_batches_give_a_big_hashtag_its_own_statement_and_keep_every_tag_once_in_order() -> None:
    big, small = TAG_POSTS + 1, 10
    tags = [("a", small), ("b", big), ("c", small), ("d", small), *((f"t{i:03}", 1) for i in range(2 * TAG_BATCH))]
    batches = tag_batches(tags)
    assert [t for b in batches for t in b] == [t for t, _ in tags]
    assert batches[:3] == [["a"], ["b"], ["c", "d", *(f"t{i:03}" for i in range(TAG_BATCH - 2))]]
    assert all(len(b) <= TAG_BATCH for b in batches)
    assert tag_batches([]) == []
    assert tag_batches([("x", TAG_POSTS // 2), ("y", TAG_POSTS // 2)]) == [["x", "y"]]  # together they fit
