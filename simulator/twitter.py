"""Twitter behaviour, hour by hour: who posts what, and how retweets, replies, quotes and mentions reference
earlier tweets. Pages are written by twitter_pages.PageWriter; this module only decides the tweets.

Who engages with whom (what the graph must show):
* influencer-cluster members reference their hub only (retweet, reply, quote, @mention);
* dispersed-cluster accounts (with bridges and successors) reference each other, never hubs or members;
* flooders post event hashtags with no links and reference nobody; coordinated accounts post links only.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from simulator.links import Link, telegram_post_link
from simulator.plan import TW_BRIDGE_ANNOUNCE, TW_BURST, TW_COMEBACK, TW_HUB_ANNOUNCE, TW_SUSPENDED_MENTION
from simulator.telegram import TelegramWriter, shareable
from simulator.timefmt import HOUR_MS
from simulator.tweet_parts import Ring, Text, Weighted, retweet_text, tco
from simulator.twitter_pages import PageWriter, missing_tweet_error, suspended_user_error
from simulator.world import Account, World

RT_LIMIT = 140  # 2015 tweets: a retweet's "RT @user: " text is cut to 140 characters with an ellipsis
HUB_RECENT, DISPERSED_RECENT = 30, 400
HUB_MAX_AGE_MS, DISPERSED_MAX_AGE_MS = 36 * HOUR_MS, 24 * HOUR_MS  # retweets, replies and quotes of recent posts
K_BASELINE, K_TAGGED, K_FLOOD = 10, 11, 12
# Baseline tweets by role, at most (a suspended hub's members fall silent; their share goes to the dispersed
# cluster). Hubs and coordinated accounts post at a human rate (params), so large runs grow the crowd, not them.
BASELINE_MIX = (("member", 0.31), ("dispersed", 0.62), ("hub", 0.03), ("coordinated", 0.04))
HUB_TAGGED_SHARE = 0.15  # of event-hashtag posts by sympathisers, at most
FLOOD_TEXTS = ("Unrelated post", "Off-topic comment", "Counter post", "Noise post")
Recent = tuple[dict[str, Any], Account, int]  # (original tweet, its author, when)


class TwitterWriter:
    def __init__(
        self,
        world: World,
        rng: random.Random,
        out: Path,
        telegram: TelegramWriter,
        *,
        baseline_total: int,
        tagged_total: int,
    ) -> None:
        self.w = world
        self.rng = rng
        self.telegram = telegram
        self.pages = PageWriter(out / "twitter")
        self.by_handle = {a.username: a for a in world.accounts}
        self.hub_recent: dict[int, Ring[Recent]] = {h: Ring(HUB_RECENT) for h in world.hubs}
        self.dispersed_recent: Ring[Recent] = Ring(DISPERSED_RECENT)
        self.tme: dict[tuple[int, int], Link] = {}
        self.comment = 0
        self.quote_codes = 0
        self.links: Weighted[Link] = Weighted([], [])
        self.bridge_pages: list[Link] = []
        self.roles: dict[str, Weighted[Account]] = {}
        self.flooders: Weighted[Account] = Weighted([], [])
        self.mix: Weighted[str] = Weighted([], [])
        p, days = world.params, world.params.days
        hub_posts = len(world.hubs) * p.hub_posts_per_day * days
        coordinated = sum(len(g) for g in world.groups) * p.coordinated_solo_posts_per_day * days
        self.shares = dict(BASELINE_MIX)
        self.shares["hub"] = min(self.shares["hub"], 0.8 * hub_posts / max(1, baseline_total))
        self.shares["coordinated"] = min(self.shares["coordinated"], coordinated / max(1, baseline_total))
        self.hub_tagged = min(HUB_TAGGED_SHARE, 0.2 * hub_posts / max(1, tagged_total))

    # ---------------------------------------------------------------------------------------------- per hour

    def begin_hour(self, t0: int) -> None:
        w = self.w
        pairs = shareable(w, t0, "twitter")
        self.links = Weighted([link for link, _ in pairs], [weight for _, weight in pairs])
        self.bridge_pages = [pg.link for pg in w.pages if len(pg.platforms) == 2 and pg.link.first_ms <= t0]
        active = [a for a in w.accounts if a.active(t0)]
        for role in ("member", "dispersed", "hub", "coordinated"):
            group = [a for a in active if a.role == role and (role != "member" or w.accounts[a.hub].active(t0))]
            self.roles[role] = Weighted(group, [a.weight for a in group])
        flooders = [a for a in active if a.role == "flooder"]
        self.flooders = Weighted(flooders, [1.0] * len(flooders))
        mix = [(r, share) for r, share in self.shares.items() if self.roles[r].items]
        self.mix = Weighted([r for r, _ in mix], [s for _, s in mix])

    def run_hour(
        self, t0: int, planned: list[tuple[Any, ...]], baseline: int, tagged: list[int], flood: list[int]
    ) -> None:
        rng = self.rng
        events: list[tuple[Any, ...]] = list(planned)
        seq = 0
        for n, kind, arg in (
            [(baseline, K_BASELINE, None)]
            + [(n, K_TAGGED, e) for e, n in enumerate(tagged)]
            + [(n, K_FLOOD, e) for e, n in enumerate(flood)]
        ):
            for _ in range(n):
                seq -= 1
                events.append((t0 + int(rng.random() * HOUR_MS), seq, kind, arg, None))
        events.sort(key=lambda e: (e[0], e[1]))
        for ms, _seq, kind, a, b in events:
            if kind == K_BASELINE:
                self._baseline(ms)
            elif kind == K_TAGGED:
                self._tagged(ms, self.w.events[a].tag)
            elif kind == K_FLOOD:
                self._flood(ms, self.w.events[a].tag)
            elif kind == TW_BURST:
                self._linked(self.w.accounts[a], ms, [b])
            elif kind == TW_HUB_ANNOUNCE:
                self._hub_announce(self.w.accounts[a], ms, b)
            elif kind == TW_BRIDGE_ANNOUNCE:
                self._bridge_post(self.w.accounts[a], ms, b)
            elif kind == TW_COMEBACK:
                self._comeback(self.w.accounts[a], ms)
            elif kind == TW_SUSPENDED_MENTION:
                self._suspended_reference(self.w.accounts[a], ms, b)

    def _active(self, role: str, ms: int) -> Account | None:
        pool = self.roles.get(role)
        if pool is None or not pool.items:
            return None
        for _ in range(8):
            acc = pool.one(self.rng)
            if acc.active(ms) and (role != "member" or self.w.accounts[acc.hub].active(ms)):
                return acc
        return None

    # -------------------------------------------------------------------------------------------- behaviours

    def _baseline(self, ms: int) -> None:
        role = self.mix.pick(self.rng)
        acc = self._active(role, ms) if role else None
        if acc is None:
            acc = self._active("dispersed", ms)
            role = "dispersed"
        if acc is None or not self.links.items:
            return
        if role == "member":
            self._member(acc, ms)
        elif role == "dispersed":
            self._dispersed(acc, ms)
        elif role == "hub":
            self._linked(acc, ms, None, head=f"Release {self._release()}, part {self.rng.randint(2, 5)}: mirror list ")
        else:
            self._linked(acc, ms, None)

    def _tagged(self, ms: int, tag: str) -> None:
        role = "hub" if self.rng.random() < self.hub_tagged else "dispersed"
        acc = self._active(role, ms) or self._active("dispersed", ms)
        if acc is not None and self.links.items:
            self._linked(acc, ms, None, tag=tag)

    def _flood(self, ms: int, tag: str) -> None:
        acc = self.flooders.pick(self.rng)
        if acc is None:
            return
        self.comment += 1
        text = Text(f"{FLOOD_TEXTS[self.comment % 4]} {self.comment} ")
        text.tag(tag)
        self.pages.new_tweet(acc, ms, text.text(), text.entities)

    def _member(self, acc: Account, ms: int) -> None:
        hub = self.w.accounts[acc.hub]
        x = self.rng.random()
        if x < 0.88:
            orig = self._fresh(self.hub_recent[hub.idx], ms, HUB_MAX_AGE_MS, acc)
            if orig is not None:
                tweet = orig[0]
                if x < 0.70:
                    self._retweet(acc, ms, tweet, hub)
                elif x < 0.80:
                    self._reply(acc, ms, tweet, hub)
                else:
                    self._quote(acc, ms, tweet, hub)
                return
        if x < 0.95:
            self._mentioning(acc, ms, [hub])
        else:
            self._linked(acc, ms, None)  # nobody retweets members: their posts stay out of the pools

    def _fresh(self, ring: Ring[Recent], ms: int, max_age: int, acc: Account) -> Recent | None:
        """A recent original by an active account other than acc: retweets follow a post within a day or so."""
        if not ring.items:
            return None
        for _ in range(4):
            item = ring.pick(self.rng)
            if ms - item[2] <= max_age and item[1] is not acc and item[1].active(ms):
                return item
        return None

    def _dispersed(self, acc: Account, ms: int) -> None:
        rng = self.rng
        if acc.channel >= 0 and rng.random() < 0.5:
            self._bridge_post(acc, ms, None)
            return
        x = rng.random()
        if x < 0.59:
            item = self._fresh(self.dispersed_recent, ms, DISPERSED_MAX_AGE_MS, acc)
            if item is not None:
                orig, author, _ = item
                if x < 0.45:
                    self._retweet(acc, ms, orig, author)
                elif x < 0.53:
                    self._reply(acc, ms, orig, author)
                else:
                    self._quote(acc, ms, orig, author)
                return
        if x < 0.67:
            others = [o for o in (self._active("dispersed", ms) for _ in range(rng.randint(1, 2))) if o is not None]
            others = [o for o in dict.fromkeys(others) if o is not acc]
            if others:
                self._mentioning(acc, ms, others)
                return
        self._linked(acc, ms, None)

    # ------------------------------------------------------------------------------------------ tweet shapes

    def _release(self) -> int:
        return self.links.one(self.rng).release

    def _linked(
        self,
        acc: Account,
        ms: int,
        links: list[Link] | None,
        *,
        tag: str | None = None,
        head: str | None = None,
    ) -> dict[str, Any]:
        """An original tweet sharing one or two links (a successor first re-shares its predecessor's links)."""
        rng = self.rng
        if links is None:
            if acc.predecessor >= 0 and acc.tweets < 5 and self.w.accounts[acc.predecessor].last_links:
                links = [rng.choice(self.w.accounts[acc.predecessor].last_links)]
            else:
                links = [self.links.one(rng)]
                if rng.random() < 0.25:
                    other = self.links.one(rng)
                    if other is not links[0]:
                        links.append(other)
        self.comment += 1
        text = Text(head or f"Comment {self.comment} on release {max(links[0].release, 1)}: ")
        for i, link in enumerate(links):
            if i:
                text.plain(" ")
            text.url(link.tweet_entity(rng))
        if tag is not None:
            text.plain(" ")
            text.tag(tag)
        elif rng.random() < 0.35:
            text.plain(" ")
            text.tag(rng.choice(self.w.params.steady_hashtags))
        tweet = self.pages.new_tweet(acc, ms, text.text(), text.entities)
        self._remember(acc, ms, tweet, links if acc.role == "dispersed" else None)
        return tweet

    def _remember(self, acc: Account, ms: int, tweet: dict[str, Any], links: list[Link] | None) -> None:
        """Hubs' and dispersed accounts' originals become retweetable; a dispersed account's links are kept for its
        successor."""
        acc.last_tweet = tweet
        if links:
            acc.last_links = (acc.last_links + links)[-4:]
        if acc.role == "hub":
            self.hub_recent[acc.idx].add((tweet, acc, ms))
        elif acc.role == "dispersed":
            self.dispersed_recent.add((tweet, acc, ms))

    def _mentioning(self, acc: Account, ms: int, targets: list[Account]) -> None:
        self.comment += 1
        text = Text(f"Comment {self.comment} on release {self._release()}")
        for target in targets:
            text.plain(" ")
            text.mention(target)
            self.pages.include_user(target)
        acc.last_tweet = self.pages.new_tweet(acc, ms, text.text(), text.entities)

    def _retweet(self, acc: Account, ms: int, orig: dict[str, Any], author: Account) -> None:
        metrics = orig["public_metrics"]
        metrics["retweet_count"] += 1
        text, entities, mentioned = retweet_text(orig, author, RT_LIMIT)
        for username in mentioned:
            self._referenced_user(self.by_handle[username], ms, "entities.mentions.username")
        tweet = self.pages.new_tweet(acc, ms, text, entities)
        tweet["referenced_tweets"] = [{"type": "retweeted", "id": orig["id"]}]
        tweet["public_metrics"] = metrics  # v2 reports the original's counts on a retweet
        self.pages.include_tweet(orig, author)

    def _reply(self, acc: Account, ms: int, orig: dict[str, Any], author: Account) -> None:
        orig["public_metrics"]["reply_count"] += 1
        self.comment += 1
        self._reply_tweet(acc, ms, orig, author, with_id=True)
        self.pages.include_tweet(orig, author)

    def _reply_tweet(self, acc: Account, ms: int, orig: dict[str, Any], author: Account, with_id: bool) -> None:
        text = Text()
        text.mention(author, with_id)
        text.plain(f" Comment {self.comment} on release {self._release()}")
        tweet = self.pages.new_tweet(acc, ms, text.text(), text.entities)
        tweet["conversation_id"] = orig["conversation_id"]
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": orig["id"]}]
        tweet["in_reply_to_user_id"] = author.id

    def _quote(self, acc: Account, ms: int, orig: dict[str, Any], author: Account) -> None:
        orig["public_metrics"]["quote_count"] += 1
        self.comment += 1
        self.quote_codes += 1
        permalink = f"https://twitter.com/{author.username}/status/{orig['id']}"
        text = Text(f"Comment {self.comment} on release {self._release()} ")
        text.url(
            {
                "url": tco(self.quote_codes),
                "expanded_url": permalink,
                "display_url": f"twitter.com/{author.username}/stat\u2026",
            }
        )
        tweet = self.pages.new_tweet(acc, ms, text.text(), text.entities)
        tweet["referenced_tweets"] = [{"type": "quoted", "id": orig["id"]}]
        self.pages.include_tweet(orig, author)

    def _referenced_user(self, acc: Account, ms: int, parameter: str) -> None:
        if acc.active(ms):
            self.pages.include_user(acc)
        else:
            value = acc.username if parameter == "entities.mentions.username" else acc.id
            self.pages.error(suspended_user_error(parameter, value))

    # ----------------------------------------------------------------------------------------- planned posts

    def _hub_announce(self, hub: Account, ms: int, video_idx: int) -> None:
        if not hub.active(ms):
            return
        video = self.w.videos[video_idx]
        pages = [pg.link for pg in self.w.releases[video.release - 1].pages if "twitter" in pg.platforms]
        alive = [c.link for c in video.copies if c.link.alive_at(ms)]
        links = pages + self.rng.sample(alive, min(len(alive), 2 if not pages else 1))
        if links:
            tweet = self._linked(hub, ms, links, tag="newrelease", head=f"{video.title}, part 1: mirror list ")
            self._route(video_idx, "hub", hub, tweet, ms)

    def _bridge_post(self, acc: Account, ms: int, video_idx: int | None) -> None:
        """A bridge tweets a link to its own Telegram channel's post, with a page both platforms share."""
        tg = self.telegram
        msg_id = tg.message_id(acc.channel, ("video", video_idx)) if video_idx is not None else None
        msg_id = msg_id or tg.latest_before(acc.channel, ms)
        if msg_id is None:
            if video_idx is None:
                self._linked(acc, ms, None)
            return
        key = (acc.channel, msg_id)
        if key not in self.tme:
            self.tme[key] = telegram_post_link(self.rng, self.w.channels[acc.channel].handle, msg_id, ms)
        links = [self.tme[key]]
        if video_idx is not None:
            release = self.w.videos[video_idx].release
            links += [pg.link for pg in self.w.releases[release - 1].pages if len(pg.platforms) == 2]
            head = f"{self.w.videos[video_idx].title}, part 1: announcement "
            tweet = self._linked(acc, ms, links, head=head, tag="newrelease")
            self._route(video_idx, "bridge", acc, tweet, ms, self.w.channels[acc.channel].uid)
            return
        if self.bridge_pages:
            links.append(self.rng.choice(self.bridge_pages))
        self._linked(acc, ms, links)

    def _route(
        self, video_idx: int, kind: str, acc: Account, tweet: dict[str, Any], ms: int, source: str | None = None
    ) -> None:
        """Ground truth of a release's route: who announced it on Twitter, when, with which tweet."""
        self.w.routes.setdefault(video_idx, []).append((kind, "twitter", acc.uid, f"twitter:{tweet['id']}", ms, source))

    def _comeback(self, acc: Account, ms: int) -> None:
        old = self.w.accounts[acc.predecessor]
        self.comment += 1
        text = Text("Back as ")
        text.mention(acc)
        text.plain(", was ")
        text.mention(old, with_id=False)
        text.plain(f". Comment {self.comment}: ")
        link = self.rng.choice(old.last_links) if old.last_links else self.links.one(self.rng)
        text.url(link.tweet_entity(self.rng))
        tweet = self.pages.new_tweet(acc, ms, text.text(), text.entities)
        self._referenced_user(old, ms, "entities.mentions.username")
        self._remember(acc, ms, tweet, [link])

    def _suspended_reference(self, gone: Account, ms: int, mode: str) -> None:
        """Someone in the suspended account's circle still mentions it or replies to its last tweet."""
        if gone.role == "hub":
            members = [a for a in self.w.accounts if a.hub == gone.idx and a.active(ms)]
            actor = self.rng.choice(members) if members else None
        else:
            actor = self._active("dispersed", ms)
        if actor is None or actor is gone:
            return
        self.comment += 1
        last = gone.last_tweet
        if mode == "reply" and last is not None:
            self._reply_tweet(actor, ms, last, gone, with_id=False)
            self.pages.error(missing_tweet_error(last["id"]))
            self._referenced_user(gone, ms, "in_reply_to_user_id")
        else:
            text = Text(f"Comment {self.comment}: where is ")
            text.mention(gone, with_id=False)
            text.plain("?")
            self.pages.new_tweet(actor, ms, text.text(), text.entities)
        self._referenced_user(gone, ms, "entities.mentions.username")
