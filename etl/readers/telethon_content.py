"""What a Telethon message carries besides its identity: its text cut into Desktop-style entity parts (sliced by UTF-16
code units, as Telegram counts), its media described from the record alone (files are never fetched), URL buttons,
restriction reasons, and its times. Used by etl/readers/telethon.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from etl.readers.common import utc_from_timestamp
from etl.readers.telegram_common import int_or_none, str_or_none

# Telethon entity class -> Telegram Desktop's entity type (the shared entity code speaks Desktop's names).
_ENTITY_TYPES = {
    "MessageEntityUrl": "link",
    "MessageEntityTextUrl": "text_link",
    "MessageEntityHashtag": "hashtag",
    "MessageEntityMention": "mention",
    "MessageEntityMentionName": "mention_name",
    "InputMessageEntityMentionName": "mention_name",
    "MessageEntityEmail": "email",
    "MessageEntityPhone": "phone",
    "MessageEntityBankCard": "bank_card",
    "MessageEntityBotCommand": "bot_command",
    "MessageEntityCashtag": "cashtag",
}
_DOCUMENT_KINDS = (  # (attribute class, flag that must be true or "", Desktop's media_type)
    ("DocumentAttributeSticker", "", "sticker"),
    ("DocumentAttributeAnimated", "", "animation"),
    ("DocumentAttributeVideo", "round_message", "video_message"),
    ("DocumentAttributeVideo", "", "video_file"),
    ("DocumentAttributeAudio", "voice", "voice_message"),
    ("DocumentAttributeAudio", "", "audio_file"),
)
_OTHER_MEDIA = {
    "MessageMediaPoll": "poll",
    "MessageMediaGeo": "location",
    "MessageMediaGeoLive": "location",
    "MessageMediaVenue": "location",
    "MessageMediaContact": "contact",
}


def type_of(obj: dict[str, Any]) -> str:
    value = obj.get("_", obj.get("_type"))
    return value if isinstance(value, str) else ""


def text_parts(text: str, entities: Any) -> list[Any]:
    """The text cut into plain strings and Desktop-style entity objects. Telegram's offsets and lengths count UTF-16
    code units (an emoji outside the BMP is two), so the text is sliced in UTF-16, never by Python characters."""
    if not isinstance(entities, list) or not text:
        return [text]
    units = text.encode("utf-16-le", "surrogatepass")
    total = len(units) // 2
    spans: list[tuple[int, int, dict[str, Any]]] = []
    for entity in entities:
        if not isinstance(entity, dict):
            continue
        kind = _ENTITY_TYPES.get(type_of(entity))
        start, length = int_or_none(entity.get("offset")), int_or_none(entity.get("length"))
        if kind is None or start is None or length is None or start >= total or length == 0:
            continue
        end = min(total, start + length)
        part: dict[str, Any] = {"type": kind, "text": _utf16(units, start, end)}
        if kind == "text_link":
            part["href"] = str_or_none(entity.get("url"))
        elif kind == "mention_name":
            part["user_id"] = int_or_none(entity.get("user_id"))
        spans.append((start, end, part))
    parts: list[Any] = []
    cursor = 0
    for start, end, part in sorted(spans, key=lambda s: (s[0], s[1])):
        if start > cursor:
            parts.append(_utf16(units, cursor, start))
        parts.append(part)
        cursor = max(cursor, end)
    if cursor < total:
        parts.append(_utf16(units, cursor, total))
    return parts


def _utf16(units: bytes, start: int, end: int) -> str:
    return units[2 * start : 2 * end].decode("utf-16-le", "replace")


def media_urls(media: Any, props: dict[str, Any]) -> list[str]:
    """Describe attached media from the record only (files are never fetched); return a link preview's URL."""
    if not isinstance(media, dict):
        return []
    mtype = type_of(media)
    if mtype == "MessageMediaWebPage":
        webpage = media.get("webpage")
        url = str_or_none(webpage.get("url")) if isinstance(webpage, dict) else None
        return [url] if url else []
    if mtype == "MessageMediaPhoto":
        props["media_type"] = "photo"
        props["media_included"] = False
    elif mtype == "MessageMediaDocument":
        document = media.get("document")
        document = document if isinstance(document, dict) else {}
        attributes = [a for a in document.get("attributes") or [] if isinstance(a, dict)]
        props["media_type"] = _document_kind(attributes)
        props["media_included"] = False
        props["media_mime_type"] = str_or_none(document.get("mime_type"))
        for attribute in attributes:
            if type_of(attribute) == "DocumentAttributeFilename":
                props["media_file_name"] = str_or_none(attribute.get("file_name"))
            elif "duration" in attribute:
                duration = attribute.get("duration")
                if isinstance(duration, int | float) and not isinstance(duration, bool) and 0 <= duration < 2**31:
                    props["media_duration_s"] = int(duration)
    elif mtype in _OTHER_MEDIA:
        props["media_type"] = _OTHER_MEDIA[mtype]
    return []


def _document_kind(attributes: list[dict[str, Any]]) -> str:
    for cls, flag, kind in _DOCUMENT_KINDS:
        for attribute in attributes:
            if type_of(attribute) == cls and (not flag or attribute.get(flag) is True):
                return kind
    return "document"


def button_urls(markup: Any) -> list[str]:
    """URL buttons of a `ReplyInlineMarkup` (`rows[].buttons[]`, `KeyboardButtonUrl.url`)."""
    if not isinstance(markup, dict) or not isinstance(markup.get("rows"), list):
        return []
    urls: list[str] = []
    for row in markup["rows"]:
        buttons = row.get("buttons") if isinstance(row, dict) else None
        for button in buttons if isinstance(buttons, list) else []:
            if isinstance(button, dict) and type_of(button) == "KeyboardButtonUrl" and str_or_none(button.get("url")):
                urls.append(button["url"])
    return urls


def restrictions(value: Any) -> list[str]:
    """`restriction_reason: [{platform, reason, text}]` as "platform/reason: text" strings (takedown evidence)."""
    if not isinstance(value, list):
        return []
    found = []
    for item in value:
        if isinstance(item, dict):
            platform = str_or_none(item.get("platform")) or "?"
            reason = str_or_none(item.get("reason")) or "?"
            found.append(f"{platform}/{reason}: {str_or_none(item.get('text')) or ''}".rstrip(": "))
    return found


def message_time(value: Any) -> datetime | None:
    """ISO 8601 with an offset (`to_json`), a naive `2023-06-29 17:35:02.000000` (UTC: Telethon's datetimes are
    UTC), or float Unix seconds (4CAT). Zero and unparsable values count as none."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 0 < value < 32503680000:  # before the year 3000
            return utc_from_timestamp(value)
        return None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None
