"""What every Telegram reader shares: peer keys and uids, the -100 rule, and the post's edges (POSTED, IN_CHAT,
REPLIES_TO, FORWARDS / FORWARDED_FROM, MENTIONS, TAGS, LINKS_TO), so that one message read from a Telegram Desktop
export, a Telethon dump (etl/readers/telethon.py) or a TGDataset file (etl/readers/tgdataset.py) gives the same nodes.

Identity (the same for every reader; docs/formats.md, telegram and telethon)
* A peer key is `user<id>`, `chat<id>` (basic group) or `channel<id>` (broadcast channel or supergroup) with the
  BARE id, as Telegram Desktop's `from_id` spells it. Account uid `telegram:<peer key>`; post uid
  `telegram:<chat peer key>/<message id>`.
* The Bot API and Telethon's `get_peer_id` write "marked" ids: a channel as `-100<id>` (-(10**12 + id)), a basic
  group as `-<id>`, a user as the bare `<id>`. marked_peer_key undoes that: a value <= -10**12 is
  `channel<-v - 10**12>`, any other negative value `chat<-v>`, a positive value `<bare kind><v>` (the caller says
  which kind a bare id is: a user for a sender, a channel for TGDataset's channel keys). Telethon's own `peer_id`,
  `from_id` and `fwd_from.from_id` objects carry bare ids and say their kind (`PeerChannel.channel_id`, ...).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

import orjson

from etl.readers.common import add_account, excerpt, find_urls, normalise_tag
from etl.records import Fragment, Node, NodeRef, Rel
from etl.urls import InvalidUrl, url_fragment

PLATFORM = "telegram"
MARKED_CHANNEL = 10**12  # a marked channel id is -(10**12 + id): "-100" followed by the bare id
# Entity types whose text is kept on the post as a list property (contact points and fundraising traces).
LISTED_ENTITIES = {
    "email": "emails",
    "phone": "phones",
    "bank_card": "bank_cards",
    "bot_command": "bot_commands",
    "cashtag": "cashtags",
}
_URL_ENTITIES = frozenset({"link", "text_link"})


def account_uid(peer_key: str) -> str:
    return f"{PLATFORM}:{peer_key}"


def post_uid(chat_key: str, message_id: int) -> str:
    return f"{PLATFORM}:{chat_key}/{message_id}"


def marked_peer_key(value: Any, bare_kind: str) -> str | None:
    """A peer key from a Bot-API-style marked id (int or digit string); None when it is not one (module docstring)."""
    number = int_or_none(value, signed=True)
    if number is None or number == 0:
        return None
    if number <= -MARKED_CHANNEL:
        return f"channel{-number - MARKED_CHANNEL}"
    if number < 0:
        return f"chat{-number}"
    return f"{bare_kind}{number}"


def name_uid(name: str) -> str:
    """A placeholder uid for an origin known only by display name: NFKC, case-folded, whitespace collapsed."""
    folded = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    return f"{PLATFORM}:name:{folded}"


def str_or_none(value: Any) -> str | None:
    """A string field, or None when the file (or a hand edit) put something else there."""
    return value if isinstance(value, str) else None


def int_or_none(value: Any, *, signed: bool = False) -> int | None:
    """An integer field (a digit string or an integral float counts); negative only when `signed`."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if signed and text.startswith("-") else text
        if not digits.isdigit() or not digits.isascii() or len(digits) > 19:
            return None
        value = int(text)
    if isinstance(value, int) and -(2**63) <= value < 2**63 and (signed or value >= 0):
        return value
    return None


def dump(value: Any) -> str:
    """A record as a short excerpt for the rejects file."""
    try:
        return excerpt(orjson.dumps(value, default=str))
    except (TypeError, orjson.JSONEncodeError):
        return excerpt(repr(value))


def add_poster(frag: Fragment, post: NodeRef, poster: str | None, chat_uid: str, props: dict[str, Any]) -> None:
    """(Account)-[:POSTED]->(Post), the poster's Account unless it is the chat, and IN_CHAT when it is not."""
    if poster is not None:
        if poster != chat_uid:
            add_account(frag, poster, props)
        frag.rels.append(Rel("POSTED", NodeRef("Account", poster), post))
    if poster != chat_uid:
        frag.rels.append(Rel("IN_CHAT", post, NodeRef("Account", chat_uid)))


def add_reply(frag: Fragment, post: NodeRef, chat_key: str, reply_id: int | None) -> None:
    """(Post)-[:REPLIES_TO]->(Post placeholder) in `chat_key` (this chat, or the chat the reply points into)."""
    if reply_id is None:
        return
    target = Node("Post", post_uid(chat_key, reply_id), {"platform": PLATFORM}, placeholder=True)
    frag.nodes.append(target)
    frag.rels.append(Rel("REPLIES_TO", post, target.ref))


def add_forward(
    frag: Fragment,
    post: NodeRef,
    props: dict[str, Any],
    *,
    name: str | None,
    origin_key: str | None,
    origin_message_id: int | None,
) -> None:
    """A forward: FORWARDS the origin Post when its chat and message id are known, else FORWARDED_FROM the origin
    Account (by peer key, else by display name); nothing to point at when neither is known (a hidden origin)."""
    props["is_forward"] = True
    props["forwarded_from_name"] = name
    uid = account_uid(origin_key) if origin_key else (name_uid(name) if name and name.strip() else None)
    if uid is None:
        return
    add_account(frag, uid, {"platform": PLATFORM, "name": name}, placeholder=True)
    if origin_key and origin_message_id is not None:
        origin = Node("Post", post_uid(origin_key, origin_message_id), {"platform": PLATFORM}, placeholder=True)
        frag.nodes.append(origin)
        frag.rels.append(Rel("POSTED", NodeRef("Account", uid), origin.ref))
        frag.rels.append(Rel("FORWARDS", post, origin.ref))
    else:
        frag.rels.append(Rel("FORWARDED_FROM", post, NodeRef("Account", uid)))


def add_text_entities(
    parts: list[Any], extra_urls: list[str], post: NodeRef, props: dict[str, Any], seen: datetime, frag: Fragment
) -> None:
    """TAGS, MENTIONS and LINKS_TO from a text given as Telegram Desktop's parts (plain strings and entity objects
    `{type, text, [href], [user_id]}`), plus `extra_urls` (buttons, link previews); contact and payment entities
    become post list properties."""
    urls: list[str] = []
    tags: set[str] = set()
    mentions: dict[str, str | None] = {}
    for part in parts:
        if isinstance(part, str):
            urls.extend(find_urls(part))
            continue
        if not isinstance(part, dict):
            continue
        etype, etext = part.get("type"), str(part.get("text", ""))
        if etype == "link":
            urls.append(etext)
        elif etype == "text_link":
            if part.get("href"):
                urls.append(str(part["href"]))
        elif etype == "hashtag":
            tag = normalise_tag(etext)
            if tag:
                tags.add(tag)
        elif etype == "mention":
            handle = etext.lstrip("@").lower()
            if handle:
                mentions.setdefault(f"{PLATFORM}:handle:{handle}", None)
        elif etype == "mention_name":
            user_id = int_or_none(part.get("user_id"))
            if user_id is not None:
                mentions[f"{PLATFORM}:user{user_id}"] = etext or None
        elif isinstance(etype, str) and etype in LISTED_ENTITIES:
            props.setdefault(LISTED_ENTITIES[etype], []).append(etext)
        elif etext and etype not in _URL_ENTITIES:
            urls.extend(find_urls(etext))  # formatting runs (bold, code, ...) can hold plain URLs
    urls.extend(extra_urls)
    for tag in sorted(tags):
        frag.rels.append(Rel("TAGS", post, NodeRef("Hashtag", tag)))
    for uid, name in mentions.items():
        account_props: dict[str, Any] = {"platform": PLATFORM, "name": name}
        if uid.startswith(f"{PLATFORM}:handle:"):
            account_props["handle"] = uid.rsplit(":", 1)[1]
        add_account(frag, uid, account_props, placeholder=True)
        frag.rels.append(Rel("MENTIONS", post, NodeRef("Account", uid)))
    link_urls(urls, post, seen, frag)


def link_urls(urls: list[str], post: NodeRef, seen: datetime, frag: Fragment) -> None:
    """(Post)-[:LINKS_TO]->(Url) once per canonical URL; an unusable URL is a warning, not a reject."""
    linked: set[NodeRef] = set()
    for raw in dict.fromkeys(u.strip() for u in urls if u and u.strip()):
        try:
            nodes, rels, ref = url_fragment(raw, seen_at=seen)
        except InvalidUrl as exc:
            frag.warnings.append(f"{post.key}: URL skipped: {exc}")
            continue
        if ref in linked:
            continue
        linked.add(ref)
        frag.nodes.extend(nodes)
        frag.rels.extend(rels)
        frag.rels.append(Rel("LINKS_TO", post, ref))
