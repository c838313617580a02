"""The texts a view shows for a node or relationship: short labels, plain-text tooltips, values as text.

Everything here is plain text; vis-network draws labels on canvas and sets tooltips with innerText.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

LABEL_CHARS, TEXT_CHARS = 28, 280
TIME_FIELDS = ("created_at", "first_seen", "seen_at", "last_seen", "removed_at", "suspended_at")
FACT_FIELDS = ("handle", "name", "uid", "tag", "title", "url", "domain", "kind", "language", "views")


def platform_of(data: Mapping[str, Any]) -> str | None:
    if data.get("label") == "Platform":
        value = data.get("name") or data.get("key")
    else:
        value = data.get("platform")
    return str(value) if value not in (None, "") else None


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_label(data: Mapping[str, Any]) -> str:
    kind = data.get("label")
    for field, prefix in (("handle", "@"), ("tag", "#"), ("title", ""), ("name", ""), ("text", ""), ("url", "")):
        value = data.get(field)
        if value in (None, "") or (field == "text" and kind != "Post"):
            continue
        text = str(value)
        if field == "url":
            text = re.sub(r"^[a-z]+://", "", text, flags=re.IGNORECASE)
        return clip(text if text.startswith(prefix) else prefix + text, LABEL_CHARS)
    return clip(str(data.get("key", "")), LABEL_CHARS)


def show(value: Any) -> str:
    if isinstance(value, datetime):
        utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(show(v) for v in value)
    if hasattr(value, "to_native"):
        return show(value.to_native())
    return str(value)


def tooltip(data: Mapping[str, Any], metric: str) -> str:
    """Plain text (vis-network sets it with innerText): type, key, platform, facts, times, a text excerpt."""
    kind = str(data.get("label", "node"))
    head = kind + (f" · {platform_of(data)}" if platform_of(data) else "")
    lines = [head, f"key: {clip(str(data.get('key', '')), 120)}"]
    lines += [f"{f}: {clip(show(data[f]), 120)}" for f in FACT_FIELDS if data.get(f) not in (None, "")]
    lines += [f"{f}: {show(data[f])}" for f in TIME_FIELDS if data.get(f) not in (None, "")]
    lines.append(metric)
    if data.get("text") not in (None, ""):
        lines.append("text: " + clip(str(data["text"]), TEXT_CHARS))
    return "\n".join(lines)


def edge_tooltip(data: Mapping[str, Any]) -> str:
    lines = [str(data.get("type", ""))]
    lines += [f"{k}: {clip(show(v), 120)}" for k, v in data.items() if k != "type" and v is not None]
    return "\n".join(lines)


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None


def as_time(value: Any) -> datetime | None:
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return None
