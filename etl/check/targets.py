"""What a check may contact and how: the safety rule for every URL (and every redirect hop), and the per-host probe
(which request tells whether a copy is still there without downloading it).

Safety rule (docs/inputs.md, "Live checks"): a URL is contacted only when
  - its scheme is http or https;
  - it is not a signed media link (a URL carrying an expiry and a signature, or on a media CDN such as
    googlevideo.com): those are one person's time-limited access to a file, never something to follow;
  - its host does not resolve to a private, loopback, link-local, multicast or reserved address (graph URLs come
    from adversaries: an address inside the investigator's network is never contacted on their say-so), unless the
    host is mapped explicitly (`--map-host`, for a local recording or test server) or the run allows private
    addresses (`--allow-private`, honoured only for URLs the user listed with `--urls`).
The address check runs before every request and every redirect hop.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from etl.urls import InvalidUrl, identify_url

# A signed link carries a signature and an expiry (S3, GCS, CloudFront, Akamai, YouTube's own media URLs).
SIGNATURE_KEYS = frozenset({"signature", "sig", "lsig", "x-amz-signature", "x-goog-signature", "hdnts", "hdnea"})
EXPIRY_KEYS = frozenset({"expires", "expire", "x-amz-expires", "x-goog-expires", "x-amz-date", "policy", "hdnts",
                         "hdnea"})  # fmt: skip
MEDIA_CDNS = ("googlevideo.com", "video.twimg.com", "cdn-telegram.org", "fbcdn.net", "cdninstagram.com")
MEDIA_PATH = re.compile(r"\.(?:mp4|webm|mkv|avi|flv|mov|m4v|3gp|ogv|mp3|m4a|ogg|opus|wav|m3u8|mpd|ts|zip|rar)$", re.I)
_ARCHIVE_ITEM = re.compile(r"^/details/([^/?#]+)")
_TG_POST = re.compile(r"^/([A-Za-z][A-Za-z0-9_]{3,31})/(\d+)/?$")


class Refused(Exception):
    """This URL is not contacted; the message says why (it goes to the run's summary, not to the graph)."""


@dataclass(frozen=True)
class Probe:
    """One request that answers 'is this copy there?': method and URL, and what the rules are asked about."""

    url: str  # the Url as in the graph
    method: str  # GET (with a byte cap) or HEAD
    request_url: str  # what is asked for (the oEmbed endpoint for YouTube, ...)
    host: str  # the host the rate limit counts (www. dropped)
    platform: str


def host_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def is_signed_media(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if any(host == cdn or host.endswith("." + cdn) for cdn in MEDIA_CDNS):
        return True
    keys = {k.lower() for k, _, _ in (p.partition("=") for p in parts.query.split("&") if p)}
    return bool(keys & SIGNATURE_KEYS) and bool(keys & EXPIRY_KEYS)


def probe_for(url: str) -> Probe:
    """The request that checks one Url: YouTube's oEmbed endpoint, archive.org's metadata API, a t.me post's embed
    widget; a HEAD for a direct media file; otherwise a GET of the page itself (its first bytes only)."""
    try:
        identity = identify_url(url)
    except InvalidUrl as exc:
        raise Refused(f"invalid url: {exc}") from exc
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(f"scheme {parts.scheme!r} is not http(s)")
    if is_signed_media(url):
        raise Refused("a signed media link (never followed)")
    platform, host = identity.platform, host_of(url)
    if platform == "youtube" and "v=" in parts.query:
        endpoint = "https://www.youtube.com/oembed?format=json&url=" + quote(url, safe="")
        return Probe(url, "GET", endpoint, "youtube.com", platform)
    item = _ARCHIVE_ITEM.match(parts.path)
    if platform == "archive.org" and item:
        return Probe(url, "GET", f"https://archive.org/metadata/{item.group(1)}", "archive.org", platform)
    post = _TG_POST.match(parts.path)
    if platform == "telegram" and post:
        return Probe(url, "GET", f"https://t.me/{post.group(1)}/{post.group(2)}?embed=1", "t.me", platform)
    method = "HEAD" if MEDIA_PATH.search(parts.path) else "GET"
    return Probe(url, method, url, host, platform)


@dataclass(frozen=True)
class Admission:
    """Where requests may go: explicit host mappings (host suffix -> base URL) and whether private addresses are
    allowed for this run."""

    host_map: tuple[tuple[str, str], ...] = ()
    allow_private: bool = False

    def mapped(self, url: str) -> str | None:
        """The URL rewritten onto its mapped base (scheme, host and port replaced), or None when not mapped."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        for suffix, base in self.host_map:
            if host == suffix or host.endswith("." + suffix):
                b = urlsplit(base)
                return urlunsplit((b.scheme, b.netloc, parts.path, parts.query, ""))
        return None

    def destination(self, url: str, *, resolve: bool = True) -> str:
        """The URL to connect to for `url`, after the safety rule; Refused when it may not be contacted.
        resolve=False checks without DNS (a literal address only): the plan, before any request."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise Refused(f"scheme {parts.scheme!r} is not http(s)")
        if is_signed_media(url):
            raise Refused("a signed media link (never followed)")
        mapped = self.mapped(url)
        if mapped is not None:
            return mapped
        if not self.allow_private:
            _refuse_private(parts.hostname or "", parts.port, resolve)
        return url


def _refuse_private(host: str, port: int | None, resolve: bool) -> None:
    if not host:
        raise Refused("no host")
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        if not resolve:
            return
        try:
            infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise LookupError(f"cannot resolve {host}: {exc}") from exc
        addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
    for address in addresses:
        if not address.is_global or address.is_multicast:
            raise Refused(f"{host} is a private or reserved address ({address})")
