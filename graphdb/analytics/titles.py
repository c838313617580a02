"""Language-aware keys for comparing hosted copies: a normalised title, the title's script, and id tokens.

Uploaders retype titles: case, punctuation, accents, Arabic diacritics and letter variants, file extensions,
quality tags ("HD", "720p"), the word "mirror", and language markers ("(fr)", "[English]", "VOSTFR") change from copy
to copy of one work. title_key() removes exactly those, so two copies of a work share a key while two works rarely
do. Language markers are removed from the key on purpose: the language itself is compared separately (a language
version has the same skeleton title and another language). The marker list is small and explicit (MARKERS).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlsplit

# Arabic script: short vowels and other diacritics (harakat, Quranic marks), the tatweel, and letter variants that
# uploaders type interchangeably (alef forms, alef maqsura / ya, ta marbuta / ha, Persian kaf / yeh).
_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ک": "ك", "ی": "ي",
                                 "ؤ": "و", "ئ": "ي"})  # fmt: skip
# Words uploaders add that say nothing about the work (quality, container, "mirror").
NOISE = frozenset({"hd", "sd", "hq", "fullhd", "full", "mirror", "mirrored", "reupload", "re", "upload", "new",
                   "official", "video", "mp4", "webm", "mkv", "avi", "flv", "3gp", "1080p", "720p", "480p", "360p",
                   "240p", "4k", "miroir", "espejo", "نسخة", "جديد", "مرآة"})  # fmt: skip
# Language markers in titles: ISO 639-1 codes (in brackets only) and language names in a few languages.
MARKERS = frozenset({"english", "anglais", "inglés", "ingles", "englisch", "french", "français", "francais",
                     "francés", "französisch", "arabic", "arabe", "árabe", "arabisch", "عربي", "العربية", "عربية",
                     "german", "deutsch", "allemand", "spanish", "español", "espagnol", "russian", "русский",
                     "russe", "turkish", "türkçe", "turc", "urdu", "اردو", "persian", "farsi", "فارسی", "kurdish",
                     "kurdî", "indonesian", "bahasa", "bosnian", "bosanski", "chinese", "中文", "subtitles",
                     "subtitled", "subs", "sous", "titres", "vostfr", "vf", "vo", "dubbed", "مترجم", "ترجمة",
                     "version", "versión", "lang", "language", "langue"})  # fmt: skip
_BRACKETED_CODE = re.compile(r"[\(\[\{]\s*[a-z]{2,3}\s*[\)\]\}]")
_EXTENSION = re.compile(r"\.(?:mp4|webm|mkv|avi|flv|mov|3gp|m4v|ogv)\b")
_TOKEN = re.compile(r"[^\W_]+")  # word characters; "_" separates like a space
_ID_SPLIT = re.compile(r"[\s_.\-/]+")
_SCRIPTS = (("arabic", re.compile(r"[\u0600-\u06ff\u0750-\u077f]")), ("cyrillic", re.compile(r"[\u0400-\u04ff]")),
            ("latin", re.compile(r"[a-z]")))  # fmt: skip
# Query parameters that carry a host's id of a copy (YouTube v, LiveLeak i, Google Drive id).
_ID_PARAMS = ("v", "i", "id")


def _fold(text: str) -> str:
    """NFKC, lower case, Latin accents dropped (é -> e), Arabic marks and letter variants unified."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    # drop combining marks only after Latin letters' decomposition; Arabic marks are gone already
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def title_key(title: str | None) -> str | None:
    """The title with case, accents, punctuation, quality tags, extensions and language markers removed; None when
    nothing is left (a title of only noise says nothing)."""
    if not title:
        return None
    text = _EXTENSION.sub(" ", _BRACKETED_CODE.sub(" ", _fold(title)))
    markers = {_fold(m) for m in MARKERS}
    noise = {_fold(n) for n in NOISE}
    words = [w for w in _TOKEN.findall(text) if w not in markers and w not in noise]
    return " ".join(words) or None


def title_script(title: str | None) -> str | None:
    """The dominant script of a title (arabic, cyrillic, latin), a stand-in for its language when none is given."""
    if not title:
        return None
    folded = _fold(title)
    counts = {name: len(rx.findall(folded)) for name, rx in _SCRIPTS}
    name, n = max(counts.items(), key=lambda kv: kv[1])
    return name if n else None


def url_ids(url: str) -> list[str]:
    """The ids a host gives a copy, read from its canonical URL: `v`/`i`/`id` query values, else the last path
    segment (archive.org identifier, VideoPress id, Drive file id)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    ids = [value for key, value in parse_qsl(parts.query) if key in _ID_PARAMS and value]
    if not ids:
        segments = [s for s in parts.path.split("/") if s and s not in ("view", "details", "file", "d", "v")]
        ids = segments[-1:]
    return ids


def id_tokens(ids: list[str]) -> set[str]:
    """Tokens that identify: each whole id and its parts split on separators, keeping those of 4+ characters with a
    letter and a digit (ids look like that; words, years and counters do not). Case is folded."""
    out: set[str] = set()
    for raw in ids:
        folded = _fold(raw)
        for token in [folded, *_ID_SPLIT.split(folded)]:
            if len(token) >= 4 and any(c.isdigit() for c in token) and any(c.isalpha() for c in token):
                out.add(token)
    return out
