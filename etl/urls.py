"""URL identity: one canonical form per address, and the platform that serves it. Never touches the network.

canonical_url() applies generic rules (https scheme, lower-case IDNA host without www./m./mobile., no default
port, userinfo or fragment, normalised percent-encoding, dot segments removed, tracking parameters dropped, query
sorted) and then platform identity rules (YouTube video, archive.org item, Telegram post, Twitter status, Google
Drive file, Bluesky post). identify_url() adds the domain and its platform from etl/data/domains.csv.

Extending the platform table: add a row `domain,platform,kind` to etl/data/domains.csv. Rows match by suffix, so
`archive.org` also covers `ia800300.us.archive.org`; a row `name.*` matches `name` under any one- or two-label
suffix (`isdarat.tv`, `isdarat.co.uk`). kind is one of social, hosting, aggregator, shortener, other. A domain
that is not in the table but in ural's list of URL shorteners is a shortener named by its domain; anything else
is a platform named by its domain, kind `other`. A new platform identity rule is a function in etl/url_sites.py.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from encodings import idna as _idna
from functools import lru_cache
from importlib import resources
from urllib.parse import unquote, urlsplit

from ural.is_shortened_url import SHORTENER_DOMAINS
from ural.normalize_url import should_strip_query_item

from etl.records import Node, NodeRef, Rel
from etl.url_sites import PATH_SAFE, QUERY_SAFE, normalise_component, site_rule

KINDS = ("social", "hosting", "aggregator", "shortener", "other")
MAX_URL_CHARS = 8192


class InvalidUrl(ValueError):
    """The text is not an http(s) URL (or a scheme-less host/path) that can be canonicalised."""


@dataclass(frozen=True)
class UrlIdentity:
    url: str  # canonical form, always https://host/path?sorted-query
    domain: str  # host without www./m.
    platform: str  # canonical platform name ('youtube', 'archive.org', ...; unknown sites: their domain)
    kind: str  # 'social' | 'hosting' | 'aggregator' | 'shortener' | 'other'


# ---------------------------------------------------------------------------------------------------------- table


def _load_domain_table() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    exact: dict[str, tuple[str, str]] = {}
    wildcard: dict[str, tuple[str, str]] = {}
    text = resources.files("etl").joinpath("data/domains.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        domain, platform, kind = row["domain"].strip().lower(), row["platform"].strip(), row["kind"].strip()
        if kind not in KINDS:
            raise ValueError(f"etl/data/domains.csv: unknown kind {kind!r} for {domain!r}")
        if domain.endswith(".*"):
            wildcard[domain[:-2]] = (platform, kind)
        else:
            exact[domain] = (platform, kind)
    return exact, wildcard


_DOMAINS, _WILDCARD_DOMAINS = _load_domain_table()
_SHORTENERS = frozenset(SHORTENER_DOMAINS)


def platform_kind(name: str) -> str | None:
    """The kind of a platform named in etl/data/domains.csv ('social', 'hosting', 'aggregator' ...), else None."""
    return _PLATFORM_KINDS.get(name)


_PLATFORM_KINDS = {platform: kind for platform, kind in [*_DOMAINS.values(), *_WILDCARD_DOMAINS.values()]}


@lru_cache(maxsize=65536)
def platform_of_domain(domain: str) -> tuple[str, str]:
    """(platform name, kind) of a host: the longest matching suffix in domains.csv, else a shortener, else other."""
    domain = _strip_mobile_prefixes(domain.lower().rstrip("."))
    labels = domain.split(".")
    for i in range(len(labels)):
        hit = _DOMAINS.get(".".join(labels[i:]))
        if hit:
            return hit
    for i, label in enumerate(labels[:-1]):
        if label in _WILDCARD_DOMAINS and 1 <= len(labels) - i - 1 <= 2:
            return _WILDCARD_DOMAINS[label]
    for i in range(len(labels) - 1):
        if ".".join(labels[i:]) in _SHORTENERS:
            return domain, "shortener"
    return domain, "other"


# ---------------------------------------------------------------------------------------------- generic rules

_MOBILE_PREFIXES = ("www.", "www2.", "m.", "mobile.")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_PORT_ONLY_RE = re.compile(r"^[^/?#:]+:\d*(?:[/?#]|$)")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_TLD_RE = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_IDN_DOTS = {0x3002: ".", 0xFF0E: ".", 0xFF61: "."}  # IDNA label separators besides '.'
_IPV4_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
# Tracking parameters that ural's list misses; dropped on every site.
_EXTRA_TRACKERS = frozenset({"si", "ref_src", "ref_url", "utm", "_hsenc", "_hsmi", "yclid", "msclkid", "wt.mc_id"})
# Tracking or display-only parameters dropped on one site only (value-free for identity).
_SITE_TRACKERS: dict[str, frozenset[str]] = {
    "twitter.com": frozenset({"s", "t", "cn", "lang", "src", "ref_src", "ref_url"}),
    "t.me": frozenset({"single", "embed", "utm_source"}),
    "youtube.com": frozenset({"t", "list", "index", "pp", "ab_channel", "start", "time_continue", "app"}),
    "youtu.be": frozenset({"t", "list", "index", "pp", "feature"}),
    "dropbox.com": frozenset({"dl", "raw"}),
    "drive.google.com": frozenset({"usp", "authuser"}),
    "facebook.com": frozenset({"_rdr", "_rdc", "refsrc", "hc_ref", "mibextid"}),
    "archive.org": frozenset({"sort", "and[]", "tab"}),
}


def _strip_mobile_prefixes(host: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _MOBILE_PREFIXES:
            rest = host[len(prefix) :]
            if host.startswith(prefix) and "." in rest:
                host, changed = rest, True
    return host


def _remove_dot_segments(path: str) -> str:
    if "/." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for seg in segments[1:]:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    tail = "/" if segments[-1] in (".", "..") else ""
    return "/" + "/".join(out) + tail


def _normalise_host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    if "%" in host:
        host = unquote(host).lower()
    if not host.isascii():
        host = host.translate(_IDN_DOTS)
        try:
            host = ".".join(_idna.ToASCII(label).decode("ascii") for label in host.split(".")).lower()
        except UnicodeError as exc:
            raise InvalidUrl(f"host is not a valid internationalised domain name: {host[:80]!r}") from exc
    if _IPV4_RE.match(host):
        if any(int(part) > 255 for part in host.split(".")):
            raise InvalidUrl(f"invalid IPv4 host: {host!r}")
        return host
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        raise InvalidUrl(f"invalid host: {host[:80]!r}")
    if not _TLD_RE.match(labels[-1]):
        raise InvalidUrl(f"invalid top-level domain in host: {host[:80]!r}")
    return _strip_mobile_prefixes(host)


def _query_items(query: str, host: str, path: str = "") -> list[tuple[str, str | None]]:
    """(normalised key, normalised value or None for a bare key) without trackers, in source order."""
    items: list[tuple[str, str | None]] = []
    site_trackers = _SITE_TRACKERS.get(host, frozenset())
    if host == "youtube.com" and path == "/playlist":
        site_trackers = site_trackers - {"list"}  # a watch URL's list= is context; a playlist page's is its identity
    for part in query.split("&"):
        if not part:
            continue
        key, eq, value = part.partition("=")
        plain_key = unquote(key.replace("+", " ")).lower()
        plain_value = unquote(value.replace("+", " "))
        if plain_key in _EXTRA_TRACKERS or plain_key in site_trackers:
            continue
        if should_strip_query_item((plain_key, plain_value)):
            continue
        items.append((normalise_component(key, QUERY_SAFE), normalise_component(value, QUERY_SAFE) if eq else None))
    return items


def _format_query(items: list[tuple[str, str | None]]) -> str:
    ordered = sorted(items, key=lambda kv: (kv[0], kv[1] or ""))
    return "&".join(k if v is None else f"{k}={v}" for k, v in ordered)


# ------------------------------------------------------------------------------------------ platform identity

# ------------------------------------------------------------------------------------------------- public API


def _split(raw: str) -> tuple[str, str, str, str, str]:
    """(host, ':port' or '', path, query, fragment) of an http(s) or scheme-less URL; InvalidUrl for anything else."""
    text = raw.strip().replace("\t", "").replace("\n", "").replace("\r", "")
    if not text:
        raise InvalidUrl("empty URL")
    if len(text) > MAX_URL_CHARS:
        raise InvalidUrl(f"URL longer than {MAX_URL_CHARS} characters ({len(text)})")
    if _CONTROL_RE.search(text):
        raise InvalidUrl(f"control characters in URL: {text[:80]!r}")
    text = text.replace("[.]", ".")
    scheme = _SCHEME_RE.match(text)
    if scheme and text[scheme.end() : scheme.end() + 2] == "//":
        name = scheme.group(1).lower()
        if name not in ("http", "https", "hxxp", "hxxps"):  # hxxp: a defanged URL from an analyst's list
            raise InvalidUrl(f"unsupported scheme {name!r}")
        text = text[scheme.end() :]
    elif scheme and not _PORT_ONLY_RE.match(text):
        raise InvalidUrl(f"unsupported scheme {scheme.group(1).lower()!r}")
    elif not text.startswith("//"):
        text = "//" + text
    try:
        parts = urlsplit("https:" + text)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise InvalidUrl(f"malformed URL: {exc}") from exc
    if not host:
        raise InvalidUrl(f"URL without a host: {text[:80]!r}")
    if any(c.isspace() for c in host):
        raise InvalidUrl(f"whitespace in host: {host[:80]!r}")
    host = f"[{host}]" if ":" in host else _normalise_host(host)
    port_suffix = f":{port}" if port is not None and port not in (80, 443) else ""
    return host, port_suffix, parts.path, parts.query, parts.fragment


def canonical_url(raw: str) -> str:
    """The one canonical form of an address: https://host/path?sorted-query. Raises InvalidUrl for non-URLs."""
    if not isinstance(raw, str):
        raise InvalidUrl(f"not a string: {type(raw).__name__}")
    return _canonical_url(raw)


@lru_cache(maxsize=262144)
def _canonical_url(raw: str) -> str:
    host, port_suffix, path, query, fragment = _split(raw)
    host, rule = site_rule(host)
    if host == "twitter.com" and fragment.startswith("!/"):  # old hashbang permalinks: twitter.com/#!/user/status/1
        path, _, query = fragment[1:].partition("?")
    path = _remove_dot_segments(normalise_component(path, PATH_SAFE) or "/")
    items = _query_items(query, host, path) if query else []
    if rule is not None and not port_suffix:
        special = rule(host, path, items)
        if special is not None:
            return special
    query = _format_query(items)
    return f"https://{host}{port_suffix}{path}?{query}" if query else f"https://{host}{port_suffix}{path}"


@lru_cache(maxsize=262144)
def identify_url(raw: str) -> UrlIdentity:
    """Canonical URL, domain and platform of a raw URL (cached: the same links recur across a dataset)."""
    url = canonical_url(raw)
    domain = urlsplit(url).hostname or ""
    platform, kind = platform_of_domain(domain)
    return UrlIdentity(url, domain, platform, kind)


def _url_nodes(identity: UrlIdentity, props: dict[str, object]) -> tuple[list[Node], list[Rel]]:
    url = Node("Url", identity.url, {"domain": identity.domain, "platform": identity.platform, **props})
    platform = Node("Platform", identity.platform, {"kind": identity.kind})
    return [url, platform], [Rel("HOSTED_ON", url.ref, platform.ref)]


def url_fragment(
    raw: str, *, expanded: str | None = None, seen_at: datetime | None = None
) -> tuple[list[Node], list[Rel], NodeRef]:
    """Graph facts for one shared link: its Url and Platform, and when `expanded` leads elsewhere, the target Url
    with (short)-[:REDIRECTS_TO]->(target). Returns the ref of the raw link's Url (what a post LINKS_TO).

    Raises InvalidUrl when `raw` is not a URL; an invalid `expanded` is ignored (the raw link still counts).
    """
    identity = identify_url(raw)
    seen = {"first_seen": seen_at, "last_seen": seen_at} if seen_at is not None else {}
    props: dict[str, object] = {"raw_forms": [raw], **seen}
    target: UrlIdentity | None = None
    if expanded:
        try:
            target = identify_url(expanded)
        except InvalidUrl:
            target = None
        else:
            props["expanded_forms"] = [expanded]
    nodes, rels = _url_nodes(identity, props)
    if target is not None and target.url != identity.url:
        more_nodes, more_rels = _url_nodes(target, {"raw_forms": [expanded], **seen})
        nodes += more_nodes
        rels += more_rels
        rels.append(Rel("REDIRECTS_TO", nodes[0].ref, more_nodes[0].ref))
    return nodes, rels, nodes[0].ref


_TW_HOSTS = frozenset({"twitter.com", "x.com", "mobile.twitter.com", "www.twitter.com", "www.x.com", "m.twitter.com"})
_TW_ANY_STATUS_RE = re.compile(
    r"^/(?:#!/)?(?:i/web|[A-Za-z0-9_]{1,50})/status(?:es)?/(\d{1,25})(/(?:photo|video)/\d+)?"
)


@lru_cache(maxsize=65536)
def _twitter_link(url: str) -> tuple[bool, str | None] | None:
    """(is a media link, status id) of a Twitter link, or None for any other site (cached: links recur)."""
    try:
        parts = urlsplit(url.strip() if "//" in url else "//" + url.strip())
        host = parts.hostname or ""
    except ValueError:
        return None
    if host in ("pic.twitter.com", "pic.x.com"):
        return True, None
    if host not in _TW_HOSTS:
        return None
    match = _TW_ANY_STATUS_RE.match(parts.path if not parts.fragment.startswith("!/") else parts.fragment[1:])
    if not match:
        return False, None
    return match.group(2) is not None, match.group(1)


def twitter_status_id(url: str) -> str | None:
    """The tweet id of a twitter.com / x.com status permalink (any form), else None. No canonicalisation cost."""
    link = _twitter_link(url)
    return link[1] if link else None


def is_twitter_internal_link(url: str, tweet_id: str | None = None) -> bool:
    """True for Twitter's own links that are not shared URLs: media links (pic.twitter.com, .../photo/1,
    .../video/1) and status permalinks. With tweet_id (the carrying tweet), only that tweet's own permalink (the
    `i/web/status` self-link of a truncated tweet) and media links count: readers also skip the permalinks of the
    tweets they quote or reply to (twitter_status_id(url) in those ids), so links to other tweets stay shared URLs.
    """
    link = _twitter_link(url)
    if link is None:
        return False
    is_media, status_id = link
    if is_media:
        return True
    return status_id is not None and (tweet_id is None or status_id == tweet_id)
