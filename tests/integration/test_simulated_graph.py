"""The planted structure of a simulated swarmcast holds in the loaded graph (the raw files are checked in
tests/unit/test_simulator.py): what the simulator promises is what the loaders and queries see."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from etl.load import load_paths
from graphdb.db import Database
from simulator import simulate

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def truth(session_db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    world = tmp_path_factory.mktemp("planted") / "world"
    simulate(world, seed=3, posts=5000)
    session_db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
    summary = load_paths(session_db, [world], rejects_path=world.parent / "rejects.jsonl")
    assert summary.rejected == 0  # what the simulator writes loads cleanly
    yield json.loads((world / "ground_truth.json").read_text())


def _t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_influencer_cluster_members_engage_with_their_hub_only(session_db: Database, truth: dict[str, Any]) -> None:
    for hub, members in truth["influencer_clusters"].items():
        _, rows = session_db.read(
            "UNWIND $members AS m MATCH (a:Account {uid: m})-[:POSTED]->(p:Post) "
            "MATCH (p)-[:REPOSTS|QUOTES|REPLIES_TO]->(:Post)<-[:POSTED]-(t:Account) "
            "RETURN a.uid AS member, collect(DISTINCT t.uid) AS targets",
            {"members": members},
        )
        assert len(rows) >= len(members) // 2, hub  # most members engaged at all
        assert all(r["targets"] == [hub] for r in rows), (hub, [r for r in rows if r["targets"] != [hub]][:3])


def test_each_event_hashtag_peaks_inside_its_window(session_db: Database, truth: dict[str, Any]) -> None:
    assert truth["event_hashtags"]
    for tag, w in truth["event_hashtags"].items():
        _, rows = session_db.read(
            "MATCH (:Hashtag {tag: $tag})<-[:TAGS]-(p:Post) WHERE p.placeholder IS NULL "
            "WITH datetime.truncate('hour', p.created_at) AS hour, count(*) AS n "
            "RETURN hour ORDER BY n DESC, hour LIMIT 1",
            {"tag": tag},
        )
        peak = rows[0]["hour"].to_native()
        assert _t(w["start"]).replace(minute=0, second=0) <= peak <= _t(w["end"]), tag


def test_flooders_post_no_content_links(session_db: Database, truth: dict[str, Any]) -> None:
    _, rows = session_db.read(
        "UNWIND $flooders AS f MATCH (a:Account {uid: f})-[:POSTED]->(p:Post) "
        "OPTIONAL MATCH (p)-[:LINKS_TO]->(u:Url) RETURN count(DISTINCT p) AS posts, count(u) AS links",
        {"flooders": truth["flooders"]},
    )
    assert rows[0]["posts"] > 0 and rows[0]["links"] == 0


def test_every_copy_is_its_own_video_and_each_work_spans_two_hosts(session_db: Database, truth: dict[str, Any]) -> None:
    """The real inputs give one Video per copy (its info.json or archive.org item), served by the copy's URL."""
    _, rows = session_db.read(
        "MATCH (v:Video)<-[:SERVES]-(u:Url)-[:HOSTED_ON]->(h:Platform) "
        "RETURN v.uid AS video, collect(u.url) AS urls, collect(h.name) AS hosts"
    )
    served = {r["video"]: r["urls"] for r in rows}
    planted = {uid: [url] for v in truth["videos"].values() for url, uid in v["copy_videos"].items()}
    assert served == planted
    host = {r["video"]: r["hosts"][0] for r in rows}
    assert min(len({host[uid] for uid in v["copy_videos"].values()}) for v in truth["videos"].values()) >= 2


def test_archive_copies_of_one_work_share_a_content_hash(session_db: Database, truth: dict[str, Any]) -> None:
    _, rows = session_db.read("MATCH (v:Video) WHERE v.hashes IS NOT NULL RETURN v.uid AS uid, v.hashes AS hashes")
    hashes = {r["uid"]: set(r["hashes"]) for r in rows}
    for work in truth["videos"].values():
        archive = [uid for uid in work["copy_videos"].values() if uid.startswith("video:archive.org:")]
        assert len(archive) >= 3 and set.intersection(*(hashes[a] for a in archive))


def test_coordinated_groups_share_links_within_the_window(session_db: Database, truth: dict[str, Any]) -> None:
    window = truth["coordination_window_seconds"]
    for group in truth["coordinated_groups"]:
        _, rows = session_db.read(
            "UNWIND $group AS g MATCH (a:Account {uid: g})-[:POSTED]->(p:Post)-[:LINKS_TO]->(u:Url) "
            "OPTIONAL MATCH (u)-[:REDIRECTS_TO]->(t:Url) WITH a, p, coalesce(t, u) AS u "
            "WITH u, collect(DISTINCT a.uid) AS sharers, min(p.created_at) AS first, max(p.created_at) AS last "
            "WHERE size(sharers) = size($group) "
            "RETURN u.url AS url, duration.inSeconds(first, last).seconds AS spread",
            {"group": group},
        )
        assert len(rows) >= 2, group  # repeatedly: several links shared by the whole group
        assert sum(r["spread"] <= window for r in rows) >= 2, rows[:5]


def test_suspended_accounts_post_nothing_after_suspension(session_db: Database, truth: dict[str, Any]) -> None:
    rows = [{"uid": u, "at": t} for u, t in truth["suspended"].items()]
    _, late = session_db.read(
        "UNWIND $rows AS r MATCH (a:Account {uid: r.uid})-[:POSTED]->(p:Post) "
        "WHERE p.created_at > datetime(r.at) AND p.placeholder IS NULL RETURN a.uid AS uid, count(p) AS n",
        {"rows": rows},
    )
    assert late == []
    _, marked = session_db.read(
        "UNWIND $uids AS u MATCH (a:Account {uid: u}) WHERE a.suspended_at IS NOT NULL RETURN count(a) AS n",
        {"uids": list(truth["suspended"])},
    )
    assert marked[0]["n"] == len(truth["suspended"])
