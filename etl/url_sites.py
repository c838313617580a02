"""Platform identity rules of canonical URLs (YouTube video, archive.org item, Telegram post, Twitter status, Google
Drive file, Bluesky post), and the percent-encoding they share with the generic rules in etl/urls.py. A new rule is
a function here, registered in _SITE_RULES under its host."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

_HOST_ALIASES = {"x.com": "twitter.com", "telegram.me": "t.me", "telegram.dog": "t.me"}
_ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_LONE_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters left as they are in a path or query (RFC 3986 pchar plus '/', '?', and '%' of existing escapes).
PATH_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/%")
QUERY_SAFE = PATH_SAFE | {"?"}


def _fix_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def normalise_component(text: str, safe: frozenset[str]) -> str:
    """Decode escaped unreserved characters, upper-case other escapes, escape what may not appear raw (UTF-8)."""
    if "%" in text:
        text = _ESCAPE_RE.sub(_fix_escape, _LONE_PERCENT_RE.sub("%25", text))
    if all(c in safe for c in text):
        return text
    return "".join(c if c in safe else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in text)


_YT_ID = r"([A-Za-z0-9_-]{11})"
_YT_PATH_RE = re.compile(r"^/(?:embed|shorts|v|live|e)/" + _YT_ID + r"(?:[/?]|$)")
_YT_SHORT_RE = re.compile(r"^/" + _YT_ID + r"/?$")
_YT_ID_RE = re.compile(r"^" + _YT_ID + r"$")
_ARCHIVE_ITEM_RE = re.compile(r"^/(?:details|download|embed|stream|compress)/([^/?#]+)")
_ARCHIVE_NODE_ITEM_RE = re.compile(r"^/\d+/items/([^/?#]+)")
_TG_POST_RE = re.compile(r"^/(?:s/)?([A-Za-z][A-Za-z0-9_]{3,31})(/\d+)?/?$")
_TG_RESERVED = frozenset({"c", "s", "joinchat", "addstickers", "addemoji", "share", "proxy", "socks", "iv"})
_TW_STATUS_RE = re.compile(r"^/(?:i/web|[A-Za-z0-9_]{1,50})/status(?:es)?/(\d{1,25})(?:/(photo|video)/\d+)?/?$")
_TW_HANDLE_RE = re.compile(r"^/([A-Za-z0-9_]{1,15})/?$")
_GDRIVE_FILE_RE = re.compile(r"^/file/d/([A-Za-z0-9_-]{10,})")
_BSKY_PROFILE_RE = re.compile(r"^/profile/([^/]{1,300})(/post/[A-Za-z0-9._~:-]{1,512})?/?$")

# A rule returns the canonical URL for (host, path, query items), or None to keep the generic form.
SiteRule = Callable[[str, str, list[tuple[str, str | None]]], "str | None"]


def _youtube(host: str, path: str, query: list[tuple[str, str | None]]) -> str | None:
    if host == "youtube.com" and path == "/watch":
        video = next((v for k, v in query if k == "v" and v and _YT_ID_RE.match(v)), None)
    else:
        match = (_YT_SHORT_RE if host == "youtu.be" else _YT_PATH_RE).match(path)
        video = match.group(1) if match else None
    return f"https://youtube.com/watch?v={video}" if video else None


def _archive_org(host: str, path: str, query: list[tuple[str, str | None]]) -> str | None:
    match = _ARCHIVE_ITEM_RE.match(path) if host == "archive.org" else _ARCHIVE_NODE_ITEM_RE.match(path)
    return f"https://archive.org/details/{match.group(1)}" if match else None


def _telegram(host: str, path: str, query: list[tuple[str, str | None]]) -> str | None:
    match = _TG_POST_RE.match(path)
    if not match or match.group(1).lower() in _TG_RESERVED:
        return None
    # Usernames are case-insensitive; invite hashes (joinchat/+...) are not, and do not match here.
    return f"https://t.me/{match.group(1).lower()}{match.group(2) or ''}"


def _twitter(host: str, path: str, query: list[tuple[str, str | None]]) -> str | None:
    match = _TW_STATUS_RE.match(path)
    if match:
        return f"https://twitter.com/i/web/status/{match.group(1)}"
    handle = _TW_HANDLE_RE.match(path)
    if handle and not query:
        return f"https://twitter.com/{handle.group(1).lower()}"
    return None


def _google_drive(host: str, path: str, query: list[tuple[str, str | None]]) -> str | None:
    match = _GDRIVE_FILE_RE.match(path)
    if match:
        return f"https://drive.google.com/file/d/{match.group(1)}"
    if path in ("/open", "/uc"):
        file_id = next((v for k, v in query if k == "id" and v), None)
        return f"https://drive.google.com/file/d/{file_id}" if file_id else None
    return None


def _bluesky(host: str, path: str, query: list[tuple[str, str | None]]) -> str | None:
    """bsky.app/profile/<handle or DID>[/post/<rkey>]: handles and DIDs lower-cased (both case-insensitive; the
    record key is not). A handle is not turned into the DID here (that needs the data: etl/readers/bluesky.py)."""
    match = _BSKY_PROFILE_RE.match(path)
    if not match:
        return None
    actor = unquote(match.group(1)).lower()
    if not actor or "/" in actor or any(c.isspace() for c in actor):
        return None
    safe_actor = normalise_component(actor, PATH_SAFE)
    return f"https://bsky.app/profile/{safe_actor}{match.group(2) or ''}"


_SITE_RULES: dict[str, SiteRule] = {
    "youtube.com": _youtube,
    "youtu.be": _youtube,
    "youtube-nocookie.com": _youtube,
    "archive.org": _archive_org,
    "t.me": _telegram,
    "twitter.com": _twitter,
    "drive.google.com": _google_drive,
    "bsky.app": _bluesky,
}


def site_rule(host: str) -> tuple[str, SiteRule | None]:
    """(host after aliasing, rule) for a host; archive.org storage nodes (ia800300.us.archive.org) share a rule."""
    if host in _SITE_RULES:
        return host, _SITE_RULES[host]
    host = _HOST_ALIASES.get(host, host)
    if host in _SITE_RULES:
        return host, _SITE_RULES[host]
    if host.endswith(".archive.org"):
        return host, _archive_org
    return host, None
