"""The simulator: same seed, same bytes; and every planted structure holds in the raw files it writes."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from etl.urls import canonical_url
from simulator import SCALES, SimulationError, parameters_for, simulate

POSTS = 3000
TWEET_KEYS = {"id", "text", "author_id", "created_at", "conversation_id", "lang", "public_metrics"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")


def _t(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).timestamp()


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@dataclass
class Twitter:
    """All pages of a run, indexed the way the assertions need them."""

    pages: list[dict[str, Any]] = field(default_factory=list)
    tweets: list[dict[str, Any]] = field(default_factory=list)  # every `data` tweet
    included: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (error, when its page was retrieved) for every error of every page
    errors: list[tuple[dict[str, Any], float]] = field(default_factory=list)

    def by_author(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for t in self.tweets:
            out[t["author_id"]].append(t)
        return out

    def links(self, tweet: dict[str, Any]) -> list[str]:
        """Canonical shared links of a tweet (a retweet's come from its original; quote permalinks are not shared)."""
        source = tweet
        for ref in tweet.get("referenced_tweets", []):
            if ref["type"] == "retweeted":
                source = self.included[ref["id"]]
        out = []
        for e in source.get("entities", {}).get("urls", []):
            target = e.get("unwound_url") or e["expanded_url"]
            if "twitter.com/" not in target:
                out.append(canonical_url(target))
        return out

    def tags(self, tweet: dict[str, Any]) -> set[str]:
        source = tweet
        for ref in tweet.get("referenced_tweets", []):
            if ref["type"] == "retweeted":
                source = self.included[ref["id"]]
        return {h["tag"] for h in source.get("entities", {}).get("hashtags", [])}

    def engaged(self, tweet: dict[str, Any]) -> set[str]:
        """User ids (or @handles when no id is given) a tweet retweets, replies to, quotes or mentions."""
        out = {"@" + m["username"] if "id" not in m else m["id"] for m in tweet.get("entities", {}).get("mentions", [])}
        if "in_reply_to_user_id" in tweet:
            out.add(tweet["in_reply_to_user_id"])
        for ref in tweet.get("referenced_tweets", []):
            if ref["id"] in self.included:
                out.add(self.included[ref["id"]]["author_id"])
        return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    summary = simulate(out, seed=7, posts=POSTS)
    assert abs(summary.posts - POSTS) < POSTS * 0.05
    return out


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same world with the hosting layer as swarmgraph's own inputs (inputs='csv')."""
    out = tmp_path_factory.mktemp("sim-csv")
    simulate(out, seed=7, posts=POSTS, inputs="csv")
    return out


@pytest.fixture(scope="module")
def truth(run: Path) -> dict[str, Any]:
    return json.loads((run / "ground_truth.json").read_text())


@pytest.fixture(scope="module")
def twitter(run: Path) -> Twitter:
    tw = Twitter()
    for path in sorted((run / "twitter").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            page = json.loads(line)
            tw.pages.append(page)
            tw.tweets.extend(page["data"])
            tw.included.update({t["id"]: t for t in page["includes"].get("tweets", [])})
            tw.users.update({u["id"]: u for u in page["includes"]["users"]})
            retrieved = _t(page["__twarc"]["retrieved_at"])
            tw.errors.extend((e, retrieved) for e in page.get("errors", []))
    tw.included.update({t["id"]: t for t in tw.tweets})
    return tw


@pytest.fixture(scope="module")
def telegram(run: Path) -> dict[str, dict[str, Any]]:
    return {p.parent.name: json.loads(p.read_text()) for p in sorted((run / "telegram").glob("*/result.json"))}


def _uid(uid: str) -> str:
    assert uid.startswith("twitter:")
    return uid.split(":", 1)[1]


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------------------------------------ determinism


def test_same_seed_writes_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    simulate(tmp_path / "a", seed=3, posts=POSTS)
    simulate(tmp_path / "b", seed=3, posts=POSTS)
    simulate(tmp_path / "c", seed=4, posts=POSTS)
    a, b, c = _hashes(tmp_path / "a"), _hashes(tmp_path / "b"), _hashes(tmp_path / "c")
    assert a == b
    assert len(a) > 10
    for name in ("ground_truth.json", "wayback/archive.org.cdx.json", "warc/youtube-watch-pages.warc.gz",
                 "warc/aggregator-pages.warc.gz", "archive.org/search.json", "accounts.csv"):  # fmt: skip
        assert a[name] != c[name]
    assert [k for k in a if k.startswith("twitter/") and a[k] == c.get(k)] == []


def test_csv_inputs_are_deterministic_and_an_option(tmp_path: Path) -> None:
    simulate(tmp_path / "a", seed=3, posts=500, days=2, inputs="csv")
    simulate(tmp_path / "b", seed=3, posts=500, days=2, inputs="csv")
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert a == b and {"videos.csv", "url_checks.csv", "snapshots.jsonl"} <= set(a)
    assert not any(k.startswith(("hosted/", "wayback/", "warc/")) for k in a)
    simulate(tmp_path / "a", seed=3, posts=500, days=2)  # the other mode replaces the hosting layer, leaves none
    assert not {"videos.csv", "url_checks.csv", "snapshots.jsonl"} & set(_hashes(tmp_path / "a"))
    with pytest.raises(SimulationError, match="inputs 'tsv' is not one of real, csv"):
        simulate(tmp_path / "d", posts=500, days=2, inputs="tsv")


def test_scales_and_post_override() -> None:
    assert parameters_for(seed=1, posts=None, scale="small", days=14).posts == SCALES["small"]
    assert parameters_for(seed=1, posts=1234, scale="large", days=14).posts == 1234
    with pytest.raises(SimulationError, match="unknown scale"):
        parameters_for(seed=1, posts=None, scale="huge", days=14)


def test_output_directory_rules_and_progress(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("an investigator's file")
    with pytest.raises(SimulationError, match="not empty"):
        simulate(tmp_path / "mine", posts=500, days=2)
    calls: list[tuple[int, int]] = []
    first = simulate(tmp_path / "run", posts=500, days=3, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (first.posts, first.posts)
    assert all(done <= total for done, total in calls)
    again = simulate(tmp_path / "run", posts=500, days=2)  # an earlier simulation is replaced, leaving no stray day
    assert sorted(p.name for p in (tmp_path / "run" / "twitter").iterdir()) == sorted(
        p.name for p in again.files if p.parent.name == "twitter"
    )
    assert len(list((tmp_path / "run" / "twitter").iterdir())) == 2


# ---------------------------------------------------------------------------------------------------- shapes


def test_twitter_pages_have_the_twarc2_shape(twitter: Twitter) -> None:
    assert twitter.pages
    for page in twitter.pages:
        assert set(page) <= {"data", "includes", "meta", "errors", "__twarc"}
        assert 0 < len(page["data"]) <= 100
        assert page["meta"]["result_count"] == len(page["data"])
        assert page["meta"]["newest_id"] == page["data"][0]["id"]
        assert set(page["__twarc"]) == {"url", "version", "retrieved_at"}
        user_ids = {u["id"] for u in page["includes"]["users"]}
        for t in page["data"]:
            assert TWEET_KEYS <= set(t) and t["author_id"] in user_ids
            assert TIME_RE.match(t["created_at"]) and t["id"].isdigit()
            for kind, key in (("hashtags", "tag"), ("mentions", "username"), ("urls", "url")):
                for e in t.get("entities", {}).get(kind, []):
                    prefix = {"hashtags": "#", "mentions": "@", "urls": ""}[kind]
                    assert t["text"][e["start"] : e["end"]] == prefix + e[key]
            refs = t.get("referenced_tweets", [])
            if refs and refs[0]["type"] == "retweeted":
                original = next(o for o in page["includes"]["tweets"] if o["id"] == refs[0]["id"])
                assert t["text"].startswith("RT @") and len(t["text"]) <= 140
                assert original["text"].startswith(t["text"].split(": ", 1)[1].rstrip("\u2026"))
            if any(r["type"] == "replied_to" for r in refs):
                assert "in_reply_to_user_id" in t
        ids = [int(t["id"]) for t in page["data"]]
        assert ids == sorted(ids, reverse=True)


def test_telegram_exports_have_the_desktop_shape(run: Path, telegram: dict[str, dict[str, Any]]) -> None:
    assert telegram
    for handle, chat in telegram.items():
        assert set(chat) == {"name", "type", "id", "messages"} and chat["type"] == "public_channel"
        raw = (run / "telegram" / handle / "result.json").read_text()
        assert raw.startswith('{\n "name": ') and raw.endswith("\n}")
        times = []
        for i, msg in enumerate(chat["messages"], start=1):
            assert msg["id"] == i and msg["type"] == "message"
            assert msg["from_id"] == f"channel{chat['id']}" and msg["from"] == chat["name"]
            assert int(msg["date_unixtime"]) == int(_t(msg["date"] + "Z"))
            text = (
                msg["text"]
                if isinstance(msg["text"], str)
                else "".join(p if isinstance(p, str) else p["text"] for p in msg["text"])
            )
            assert "".join(e["text"] for e in msg["text_entities"]) == text
            times.append(int(msg["date_unixtime"]))
        assert times == sorted(times)
    forwards = [m for chat in telegram.values() for m in chat["messages"] if "forwarded_from" in m]
    names = {chat["name"] for chat in telegram.values()}
    assert forwards and {m["forwarded_from"] for m in forwards} <= names
    assert any("reply_to_message_id" in m for chat in telegram.values() for m in chat["messages"])


def test_ground_truth_uses_graph_identities(truth: dict[str, Any], telegram: dict[str, dict[str, Any]]) -> None:
    uids = list(truth["suspended"]) + truth["flooders"] + truth["dispersed_cluster"] + truth["hubs"]
    assert all(re.fullmatch(r"twitter:\d+", u) for u in uids)
    channel_uids = {f"telegram:channel{chat['id']}" for chat in telegram.values()}
    assert set(truth["telegram_channels"]) == channel_uids
    for video_uid, video in truth["videos"].items():
        assert video_uid.startswith("video:")
        assert video["version_of"] is None or video["version_of"] in truth["videos"]
        assert all(canonical_url(u) == u for u in video["copies"])
    assert all(canonical_url(u) == u for u in truth["takedowns"])


def test_every_raw_link_canonicalises_to_a_planted_url(
    run: Path, twitter: Twitter, truth: dict[str, Any], telegram: dict[str, dict[str, Any]]
) -> None:
    copies = {u for v in truth["videos"].values() for u in v["copies"]}
    planted = copies | set(truth["pages"])
    handles = {info["handle"].lower() for info in truth["telegram_channels"].values()}
    raw_forms: set[str] = set()
    for t in twitter.tweets:
        for e in t.get("entities", {}).get("urls", []):
            if "twitter.com/" not in e["expanded_url"]:
                raw_forms.add(e.get("unwound_url") or e["expanded_url"])
    for chat in telegram.values():
        for m in chat["messages"]:
            raw_forms.update(e.get("href") or e["text"] for e in m["text_entities"] if "link" in e["type"])
    canonical = {canonical_url(u) for u in raw_forms}
    tme = {u for u in canonical if u.startswith("https://t.me/")}
    assert canonical - tme <= planted
    assert all(re.fullmatch(r"https://t\.me/([a-z_]+)/\d+", u) and u.split("/")[3] in handles for u in tme)
    assert len(raw_forms) > 1.5 * len(canonical)  # the same address is pasted in several raw forms
    for info in (run / "hosted").rglob("*.info.json"):
        assert canonical_url(json.loads(info.read_text())["webpage_url"]) in copies


# ------------------------------------------------------------------------------------------ planted structure


def test_influencer_members_engage_with_their_hub_only(twitter: Twitter, truth: dict[str, Any]) -> None:
    by_author = twitter.by_author()
    for hub_uid, members in truth["influencer_clusters"].items():
        hub = _uid(hub_uid)
        handle = "@" + twitter.users[hub]["username"]
        engaging = 0
        for member in members:
            engaged = set().union(*(twitter.engaged(t) for t in by_author.get(_uid(member), [])))
            assert engaged <= {hub, handle}, member
            engaging += bool(engaged)
        assert engaging >= len(members) // 2
        retweets = [t for m in members for t in by_author.get(_uid(m), []) if t["text"].startswith("RT @")]
        assert len(retweets) > len(members)


def test_dispersed_cluster_is_interconnected(twitter: Twitter, truth: dict[str, Any]) -> None:
    dispersed = {_uid(u) for u in truth["dispersed_cluster"]}
    outside = {_uid(h) for h in truth["hubs"]} | {_uid(m) for ms in truth["influencer_clusters"].values() for m in ms}
    by_author = twitter.by_author()
    partners = []
    for acc in dispersed:
        engaged = {e for t in by_author.get(acc, []) for e in twitter.engaged(t) if not e.startswith("@")}
        assert not engaged & outside
        partners.append(len(engaged - {acc}))
    assert sum(partners) / len(partners) >= 3


def test_event_hashtags_peak_inside_their_window(twitter: Twitter, truth: dict[str, Any]) -> None:
    for tag, window in truth["event_hashtags"].items():
        start, end = _t(window["start"]) // 3600, _t(window["end"]) // 3600
        tagged = [t for t in twitter.tweets if tag in twitter.tags(t)]
        hours = Counter(int(_t(t["created_at"]) // 3600) for t in tagged)
        peak_hour = max(hours, key=lambda h: (hours[h], -h))
        assert start <= peak_hour <= end, tag
        assert abs(peak_hour - _t(window["peak"]) // 3600) <= 12
        # Tagged originals fall inside the window; retweets of them trail it by a day at most.
        originals = [t for t in tagged if "referenced_tweets" not in t]
        assert all(start <= _t(t["created_at"]) // 3600 <= end for t in originals)
        assert all(start <= h <= end + 36 for h in hours)


def test_flooders_post_no_links_and_outnumber_sympathisers(twitter: Twitter, truth: dict[str, Any]) -> None:
    flooders = {_uid(u) for u in truth["flooders"]}
    flood = [t for t in twitter.tweets if t["author_id"] in flooders]
    assert flood
    assert all("urls" not in t.get("entities", {}) and not twitter.engaged(t) for t in flood)
    for tag in truth["event_hashtags"]:
        tagged = [t for t in twitter.tweets if tag in twitter.tags(t)]
        by_flooders = sum(t["author_id"] in flooders for t in tagged)
        assert by_flooders > len(tagged) - by_flooders


def test_every_video_has_copies_on_two_hosts(csv_run: Path, truth: dict[str, Any]) -> None:
    hosts: dict[str, set[str]] = defaultdict(set)
    for row in _csv(csv_run / "videos.csv"):
        hosts[row["video_id"]].add(canonical_url(row["url"]).split("/")[2])
    assert set(hosts) == {uid.removeprefix("video:") for uid in truth["videos"]}
    assert all(len(h) >= 2 for h in hosts.values())
    originals = [v for v in truth["videos"].values() if v["version_of"] is None]
    assert any(len([v for v in truth["videos"].values() if v["version_of"]]) for _ in originals)


def test_coordinated_groups_share_links_within_the_window_repeatedly(twitter: Twitter, truth: dict[str, Any]) -> None:
    window = truth["coordination_window_seconds"]
    shares: dict[str, list[tuple[float, str]]] = defaultdict(list)  # canonical url -> (time, author)
    for t in twitter.tweets:
        if not t.get("referenced_tweets"):
            for url in set(twitter.links(t)):
                shares[url].append((_t(t["created_at"]), t["author_id"]))
    pair_counts: Counter[tuple[str, str]] = Counter()
    for posts in shares.values():
        posts.sort()
        for i, (t1, a1) in enumerate(posts):
            for t2, a2 in posts[i + 1 :]:
                if t2 - t1 > window:
                    break
                if a1 != a2:
                    pair_counts[(a1, a2) if a1 < a2 else (a2, a1)] += 1
    planted = {
        (a, b) if a < b else (b, a) for g in truth["coordinated_groups"] for a, b in combinations(map(_uid, g), 2)
    }
    bursts = truth["parameters"]["coordinated_bursts"]
    assert min(pair_counts[p] for p in planted) >= 0.8 * bursts
    others = [n for p, n in pair_counts.items() if p not in planted]
    assert max(others, default=0) < 0.5 * bursts


def test_suspended_users_vanish_and_show_up_in_errors(twitter: Twitter, truth: dict[str, Any]) -> None:
    by_author = twitter.by_author()
    for uid, when in truth["suspended"].items():
        user_id, at = _uid(uid), _t(when)
        assert all(_t(t["created_at"]) < at for t in by_author.get(user_id, []))
        handle = twitter.users[user_id]["username"] if user_id in twitter.users else None
        names = {user_id, handle}
        hits = [page_time for e, page_time in twitter.errors if e["resource_type"] == "user" and e["value"] in names]
        assert all(page_time >= at for page_time in hits)
        if at < _t(truth["window"]["end"]) - 24 * 3600:
            assert hits, uid
        included_later = [
            p
            for p in twitter.pages
            if any(u["id"] == user_id for u in p["includes"]["users"])
            and min(_t(t["created_at"]) for t in p["data"]) >= at
        ]
        assert not included_later
    for e, _ in twitter.errors:
        assert e["title"] in ("Forbidden", "Not Found Error") and e["type"].endswith("/resource-not-found")


def test_successors_return_with_numbered_handles_and_the_same_links(twitter: Twitter, truth: dict[str, Any]) -> None:
    assert truth["successors"]
    by_author = twitter.by_author()
    for old_uid, new_uid in truth["successors"].items():
        old, new = twitter.users[_uid(old_uid)], twitter.users[_uid(new_uid)]
        match = re.fullmatch(r"(.*?)(\d*)", old["username"])
        assert match is not None
        base, number = match.group(1), int(match.group(2) or 1)
        assert new["username"] == f"{base}{number + 1}" and new["name"] == old["name"]
        assert _t(new["created_at"]) >= _t(truth["suspended"][old_uid]) - 3600
        old_links = {u for t in by_author[_uid(old_uid)] if "referenced_tweets" not in t for u in twitter.links(t)}
        new_links = {u for t in by_author[_uid(new_uid)] for u in twitter.links(t)}
        assert not old_links or old_links & new_links


def test_bridges_link_their_channel_and_share_bridge_pages(
    twitter: Twitter, truth: dict[str, Any], telegram: dict[str, dict[str, Any]]
) -> None:
    assert truth["bridge_accounts"] and truth["bridge_pages"]
    by_author = twitter.by_author()
    for bridge in truth["bridge_accounts"]:
        chat = telegram[bridge["handle"]]
        assert f"telegram:channel{chat['id']}" == bridge["telegram"]
        sent = {m["id"]: int(m["date_unixtime"]) for m in chat["messages"]}
        tme = [
            (u, _t(t["created_at"]))
            for t in by_author[_uid(bridge["twitter"])]
            if "referenced_tweets" not in t  # its own posts, not retweets of another bridge
            for u in twitter.links(t)
            if u.startswith("https://t.me/")
        ]
        assert tme
        for url, at in tme:
            handle, msg_id = url.removeprefix("https://t.me/").split("/")
            assert handle == bridge["handle"].lower() and sent[int(msg_id)] <= at
    twitter_links = {u for t in twitter.tweets for u in twitter.links(t)}
    telegram_links = set()
    for chat in telegram.values():
        for m in chat["messages"]:
            for e in m["text_entities"]:
                if e["type"] in ("link", "text_link"):
                    telegram_links.add(canonical_url(e.get("href") or e["text"]))
    for page in truth["bridge_pages"]:
        assert page in twitter_links and page in telegram_links
    for page, info in truth["pages"].items():
        assert (page in twitter_links) <= ("twitter" in info["platforms"])
        assert (page in telegram_links) <= ("telegram" in info["platforms"])


def test_url_checks_follow_the_planted_takedowns(csv_run: Path, truth: dict[str, Any]) -> None:
    checks: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for row in _csv(csv_run / "url_checks.csv"):
        checks[canonical_url(row["url"])].append((_t(row["checked_at"]), row["status"]))
    for url, when in truth["takedowns"].items():
        removed = [t for t, s in checks[url] if s == "removed"]
        if any(t >= _t(when) and s != "unknown" for t, s in checks[url]):
            assert removed  # a takedown after the last check of the window stays unobserved
        assert all(t >= _t(when) for t in removed)
        assert all(t < _t(when) for t, s in checks[url] if s == "alive")
    assert truth["censored_copies"]
    assert all(s != "removed" for url in truth["censored_copies"] for _, s in checks[url])
    median = truth["takedown_delay_hours"]
    assert median["youtube.com"]["median_hours"] < median["liveleak.com"]["median_hours"]
    assert median["liveleak.com"]["median_hours"] < median["archive.org"]["median_hours"]


def test_snapshots_are_edited_over_time(csv_run: Path, truth: dict[str, Any]) -> None:
    from etl.readers.swarmgraph_inputs import snapshot_links

    listed: dict[str, list[frozenset[str]]] = defaultdict(list)
    all_copies = {u for v in truth["videos"].values() for u in v["copies"]}
    for line in (csv_run / "snapshots.jsonl").read_text().splitlines():
        snap = json.loads(line)
        site = snap["page_url"].split("/")[2]
        links = frozenset(
            canonical_url(u)
            for u in snapshot_links(snap["page_url"], snap["content"], snap["format"])
            if canonical_url(u).split("/")[2] != site  # navigation back to the aggregator is not a mirror
        )
        assert links <= all_copies
        listed[snap["page_url"]].append(links)
    assert set(listed) == set(truth["pages"])
    assert all(len(v) >= 3 for v in listed.values())
    assert sum(len(set(v)) > 1 for v in listed.values()) >= len(listed) // 2


def test_accounts_csv_records_suspensions_and_known_links(run: Path, truth: dict[str, Any]) -> None:
    rows = {r["uid"]: r for r in _csv(run / "accounts.csv")}
    for uid, when in truth["suspended"].items():
        assert rows[uid]["suspended_at"] == when
    for old, new in truth["known_successors"].items():
        assert rows[new]["same_actor_as"] == old
    for bridge in truth["bridge_accounts"]:
        assert rows[bridge["twitter"]]["same_actor_as"] == bridge["telegram"]
        assert rows[bridge["telegram"]]["handle"] == bridge["handle"]


@pytest.mark.parametrize("inputs", ["real", "csv"])
def test_every_file_is_detected_and_read_without_rejects(run: Path, csv_run: Path, inputs: str) -> None:
    from etl.detect import detect_format
    from etl.readers import FORMATS
    from etl.records import Reject

    root = run if inputs == "real" else csv_run
    expected = {"twitter": "twarc2", "telegram": "telegram", "accounts.csv": "accounts"}
    if inputs == "csv":
        expected |= {"videos.csv": "videos", "url_checks.csv": "url-checks", "snapshots.jsonl": "snapshots"}
    else:
        expected |= {"hosted": "ytdlp", "archive.org/items": "archive-org", "archive.org/search.json":
                     "archive-org-search", "wayback/archive.org.cdx.json": "cdx-json", "wayback": "cdx",
                     "warc": "warc"}  # fmt: skip
    seen = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name == "ground_truth.json":
            continue
        rel = path.relative_to(root).as_posix()
        key = max((k for k in expected if rel == k or rel.startswith(k + "/")), key=len)
        fmt = detect_format(path)
        assert fmt == expected[key], path
        seen.add(fmt)
        rejects = [item for item in FORMATS[fmt](path) if isinstance(item, Reject)]
        assert rejects == [], (path, rejects[:3])
    assert seen == set(expected.values())


def _observations(paths: list[Path], reader: Any) -> set[tuple[str, str, str]]:
    """(canonical url, ISO time, status) of every UrlCheck the reader makes of the files."""
    out = set()
    for path in paths:
        for item in reader(path):
            for node in getattr(item, "nodes", []):
                if node.label == "UrlCheck":
                    url = next(n.key for n in item.nodes if n.label == "Url")
                    out.add((url, node.props["checked_at"].strftime("%Y-%m-%dT%H:%M:%SZ"), node.props["status"]))
    return out


def test_cdx_and_warc_captures_are_the_url_checks_of_the_csv_inputs(run: Path, csv_run: Path) -> None:
    """Both modes plant the same world and observe it at the same times: the CDX rows and the YouTube watch-page
    captures, read back, are exactly url_checks.csv (statuses decided by the removal rules from code and body)."""
    from etl.readers.warc import read_warc
    from etl.readers.wayback import read_cdx_json, read_cdx_text

    checks = {(canonical_url(r["url"]), r["checked_at"], r["status"]) for r in _csv(csv_run / "url_checks.csv")}
    observed = _observations(sorted((run / "wayback").glob("*.cdx.txt")), read_cdx_text)
    observed |= _observations([run / "wayback" / "archive.org.cdx.json"], read_cdx_json)
    observed |= _observations([run / "warc" / "youtube-watch-pages.warc.gz"], read_warc)
    assert observed == checks
    assert {s for _, _, s in observed} == {"alive", "removed", "unknown"}


def test_aggregator_warc_lists_what_the_snapshots_list(run: Path, csv_run: Path) -> None:
    """Every page capture in the WARC (responses and revisits) gives the LISTS the snapshots input gives."""
    from etl.readers.swarmgraph_inputs import read_snapshots_jsonl
    from etl.readers.warc import read_warc

    def lists(items: Any) -> set[tuple[str, str, str]]:
        return {(r.start.key, r.end.key, r.props["seen_at"].isoformat()) for item in items
                for r in getattr(item, "rels", []) if r.type == "LISTS"}  # fmt: skip

    from_warc = lists(read_warc(run / "warc" / "aggregator-pages.warc.gz"))
    assert from_warc and from_warc == lists(read_snapshots_jsonl(csv_run / "snapshots.jsonl"))


def test_archive_items_share_the_work_hash_and_info_json_name_each_copy(run: Path, truth: dict[str, Any]) -> None:
    by_work: dict[str, set[str]] = defaultdict(set)
    for work, video in truth["videos"].items():
        for url, uid in video["copy_videos"].items():
            platform, ident = uid.removeprefix("video:").split(":", 1)
            if platform == "archive.org":
                item = json.loads((run / "archive.org" / "items" / f"{ident}.json").read_text())
                assert url == f"https://archive.org/details/{item['metadata']['identifier']}"
                by_work[work].add(next(f["sha1"] for f in item["files"] if f["name"] == f"{ident}.mp4"))
            else:
                info = json.loads((run / "hosted" / platform / f"{ident}.info.json").read_text())
                assert canonical_url(info["webpage_url"]) == url and info["title"] == truth["videos"][work]["title"]
        assert video["seed_video"] in video["copy_videos"].values()
    assert all(len(h) == 1 for h in by_work.values())
    assert len({h for hs in by_work.values() for h in hs}) == len(truth["videos"])


def test_ground_truth_routes_start_with_the_first_announcement(truth: dict[str, Any]) -> None:
    """Every video's planted route opens with its origin's announcement; forwards and tweets come after it."""
    assert set(truth["routes"]) == set(truth["first_announcements"])
    for uid, route in truth["routes"].items():
        first = truth["first_announcements"][uid]
        assert route[0]["kind"] == "announcement" and route[0]["account"] == first["channel"]
        assert route[0]["post"] == f"{first['channel']}/{first['message_id']}" and route[0]["time"] == first["time"]
        assert [s["time"] for s in route] == sorted(s["time"] for s in route)
        assert {s["kind"] for s in route[1:]} <= {"forward", "hub", "bridge"}
        for share in route[1:]:
            assert share["platform"] == ("telegram" if share["kind"] == "forward" else "twitter")
            assert share["post"].startswith(share["account"] + "/" if share["kind"] == "forward" else "twitter:")
