"""A streaming walk over one large JSON document whose records are the elements of known arrays (a Telegram
export's `messages`, an array of tweets), in bounded memory and with damage kept local.

The walk descends only into the containers named in `descend` and yields the elements of the arrays named in
`targets` one by one (prefixes are spelled like ijson's: `chats.list.item.messages`). An element's end is found by
a scan that skips strings and counts brackets in C regex steps (never recursing, never building the value); its
bytes then go to etl.json_records.loads_record. So an element that is nested too deeply, too large, holds a NUL,
a bad byte or an absurd number costs itself only: it comes out as an Element with an `error` and the walk goes on
after it. When the structure itself is broken (a flipped quote or bracket), the walk resynchronises at the next
element's start, looked for from the broken element's own start by the elements' shape (their indentation in a
pretty-printed file, the first key of a compact array's objects; else `}` `,` `{`), and says so; positions are
physical lines and byte offsets. Anything damaged outside the target arrays ends the walk with a "damaged" event.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from etl.json_records import RecordError, loads_record
from etl.limits import current

CHUNK = 1 << 20
_SKIP = re.compile(rb'(?:[^"\[\]{}]+|"[^"\\\n]*(?:\\.[^"\\\n]*)*")*')
_STRING = re.compile(rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_SCALAR = re.compile(rb"[-+0-9.eE]+|true|false|null")
_STRING_START = re.compile(rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*\\?')
_WS = re.compile(rb"[ \t\r\n]*")
_BOUNDARY = re.compile(rb"[}\]][ \t\r\n]*,[ \t\r\n]*(?=[{\[])")
_OPEN = frozenset(b"{[")
_EXCERPT = 200


@dataclass(slots=True)
class Element:
    """One element of a target array: its value, or why it could not be read, and where it starts."""

    index: int  # 1-based within its array
    line: int  # physical line of its first byte
    offset: int  # byte offset of its first byte (in the decoded stream)
    value: Any = None
    error: str | None = None
    excerpt: str = ""


class _Damage(Exception):
    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.reason = reason


Event = tuple[str, str, Any]  # ("start"|"end", prefix, None), ("scalar", prefix, value), ("element", array, Element),
# ("damaged", prefix, Element): the walk ends there


class _Buffer:
    """The stream's bytes from the oldest one still needed, with absolute offsets and physical line counts."""

    def __init__(self, fh: BinaryIO, where: str) -> None:
        self.fh = fh
        self.where = where
        self.buf = b""
        self.base = 0  # absolute offset of buf[0]
        self.eof = False
        self._counted = 0  # absolute offset up to which lines were counted
        self._lines = 1

    def fill(self, keep: int) -> int:
        """Drop buf[:keep], append a chunk; the number of bytes dropped (indices shift by it), -1 at end of file."""
        if self.eof:
            return -1
        chunk = self.fh.read(CHUNK)
        if not chunk:
            self.eof = True
            return -1
        self.line_at(keep)
        self.buf = self.buf[keep:] + chunk
        self.base += keep
        return keep

    def line_at(self, i: int) -> int:
        offset = self.base + i
        if offset > self._counted:
            self._lines += self.buf.count(b"\n", self._counted - self.base, i)
            self._counted = offset
        return self._lines

    def ws(self, i: int) -> int:
        """Index of the next byte that is not blank (len(buf) at end of file)."""
        while True:
            i = _WS.match(self.buf, i).end()  # type: ignore[union-attr]  # matches the empty string at worst
            if i < len(self.buf):
                return i
            dropped = self.fill(i)
            if dropped < 0:
                return len(self.buf)
            i -= dropped


def iter_document(fh: BinaryIO, where: str, *, descend: frozenset[str], targets: frozenset[str]) -> Iterator[Event]:
    """The walk described in the module docstring over `fh` (positioned at the document; `where` names it)."""
    walk = _Walk(_Buffer(fh, where), descend, targets)
    try:
        yield from walk.value("", walk.data.ws(0))
        after = walk.data.ws(walk.i)
        if after < len(walk.data.buf):  # a resynchronisation went wrong, or the document was damaged so
            raise _Damage(after, "the document goes on after its end: its structure is damaged")
    except _Damage as exc:
        if not walk.truncated:
            yield "damaged", "", walk.element_at(exc.index, exc.reason)


class _Walk:
    def __init__(self, data: _Buffer, descend: frozenset[str], targets: frozenset[str]) -> None:
        self.data = data
        self.descend = descend
        self.targets = targets
        limits = current()
        self.max_depth = limits.max_depth
        self.max_bytes = limits.max_record_bytes
        self.limits = limits
        self._indent: bytes | None = None  # the last element's indentation (pretty-printed), for resynchronising
        self._lead: re.Pattern[bytes] | None = None  # compact: `,` before an element that opens with the first key
        self.i = 0  # the walk's position in data.buf, kept by every step
        self._start = 0
        self.truncated = False  # an element was cut by the end of the data: the walk ends without more noise

    def element_at(self, i: int, error: str | None, index: int = 0) -> Element:
        d = self.data
        text = d.buf[i : i + _EXCERPT].decode("utf-8", "replace")
        return Element(index, d.line_at(i), d.base + i, error=error, excerpt=" ".join(text.split()))

    def value(self, prefix: str, i: int) -> Iterator[Event]:
        """The value starting at buf[i] (blanks skipped); leaves self.i after it."""
        buf = self.data.buf
        c = buf[i] if i < len(buf) else -1
        if c == 0x7B and prefix in self.descend:
            yield from self._object(prefix, i)
        elif c == 0x5B and prefix in self.targets:
            yield from self._elements(prefix, i)
        elif c == 0x5B and prefix in self.descend:
            yield from self._array(prefix, i)
        elif c in _OPEN:
            end, error = self.scan(i, keep=False)
            if error is not None:
                raise _Damage(end if error.startswith("truncated") else i, f"{prefix or 'the document'}: {error}")
            self.i = end
        else:
            value, self.i = self.scalar(i, prefix)
            yield "scalar", prefix, value

    def scalar(self, i: int, prefix: str) -> tuple[Any, int]:
        d = self.data
        while True:
            m = (_STRING if d.buf[i : i + 1] == b'"' else _SCALAR).match(d.buf, i)
            if m is not None and (m.end() < len(d.buf) or d.eof):
                try:
                    return loads_record(m.group(), d.where, depth_checked=True, limits=self.limits), m.end()
                except RecordError as exc:
                    raise _Damage(i, f"{prefix or 'the document'}: {exc}") from exc
            starts_scalar = d.buf[i : i + 1] == b'"' or len(d.buf) - i < 6  # could be whole with more bytes
            if m is None and (not starts_scalar or b"\n" in d.buf[i : i + 4096] or len(d.buf) - i > self.max_bytes):
                raise _Damage(i, f"{prefix or 'the document'}: not JSON here")
            dropped = d.fill(i)
            if dropped < 0 and m is None:
                why = "truncated" if i >= len(d.buf) - 5 else "not JSON here"
                raise _Damage(i, f"{prefix or 'the document'}: {why}")
            i -= max(dropped, 0)

    def _object(self, prefix: str, i: int) -> Iterator[Event]:
        yield "start", prefix, None
        d = self.data
        i = d.ws(i + 1)
        if d.buf[i : i + 1] == b"}":
            self.i = i + 1
            yield "end", prefix, None
            return
        while True:
            key, i = self.scalar(i, prefix)
            if not isinstance(key, str):
                raise _Damage(i, f"{prefix or 'the document'}: a key that is not a string")
            i = d.ws(i)
            if d.buf[i : i + 1] != b":":
                raise _Damage(i, f"{prefix or 'the document'}: ':' expected after key {key[:40]!r}")
            yield from self.value(f"{prefix}.{key}" if prefix else key, d.ws(i + 1))
            i = d.ws(self.i)
            sep = d.buf[i : i + 1]
            if sep == b"}":
                self.i = i + 1
                yield "end", prefix, None
                return
            if sep != b",":
                raise _Damage(i, f"{prefix or 'the document'}: ',' or '}}' expected" if sep else "truncated")
            i = d.ws(i + 1)

    def _array(self, prefix: str, i: int) -> Iterator[Event]:
        yield "start", prefix, None
        d = self.data
        item = f"{prefix}.item" if prefix else "item"
        i = d.ws(i + 1)
        while d.buf[i : i + 1] != b"]":
            yield from self.value(item, i)
            i = d.ws(self.i)
            sep = d.buf[i : i + 1]
            if sep == b",":
                i = d.ws(i + 1)
            elif sep != b"]":
                raise _Damage(i, f"{prefix}: ',' or ']' expected" if sep else "truncated")
        self.i = i + 1
        yield "end", prefix, None

    def _elements(self, prefix: str, i: int) -> Iterator[Event]:
        d = self.data
        i = d.ws(i + 1)
        index = 0
        while i < len(d.buf) and d.buf[i : i + 1] != b"]":
            index += 1
            element, i, at_next = self._element(i, index)
            yield "element", prefix, element
            if self.truncated:
                self.i = i
                return
            i = d.ws(i)
            if at_next:
                continue
            sep = d.buf[i : i + 1]
            if sep == b",":
                i = d.ws(i + 1)
            elif sep != b"]" and sep:
                i = d.ws(self._next_start(i))
        if i >= len(d.buf):
            raise _Damage(i, f"{prefix}: truncated after {index} elements")
        self.i = i + 1

    def _element(self, i: int, index: int) -> tuple[Element, int, bool]:
        """The element at buf[i], the index after it, and whether that index is already the next element's start
        (or the array's end) because the element was damaged and the walk resynchronised."""
        d = self.data
        if d.buf[i] not in _OPEN:
            element = self.element_at(i, None, index)
            try:
                element.value, end = self.scalar(i, "")
            except _Damage as exc:
                element.error = exc.reason.removeprefix("the document: ")
                return element, *self._resync(i, exc.index)
            return element, end, False
        line = d.line_at(i)
        indent = _indent(d.buf, i)
        if indent is None and self._lead is None:
            self._lead = _lead(d.buf, i)
        if indent is not None:
            self._indent = indent
            if d.buf[i] == 0x7B:
                pretty = self._pretty_element(i, index, line, indent)
                if pretty is not None:
                    return pretty
        end, error = self.scan(i, keep=True)
        start = self._start
        raw = d.buf[start:end]
        element = Element(index, line, d.base + start)
        element.excerpt = " ".join(raw[:_EXCERPT].decode("utf-8", "replace").split())
        if error is not None:
            element.error = error
            if error.startswith("truncated"):
                self.truncated = True
            if error.startswith(("truncated", "nested")):
                return element, end, False
            return element, *self._resync(start, end)
        try:
            element.value = loads_record(raw, d.where, line=line, depth_checked=True, limits=self.limits)
        except RecordError as exc:  # balanced brackets, yet broken: two flipped quotes can hide a bracket between
            element.error = str(exc)
            return element, *self._resync(start, end)
        return element, end, False

    def _pretty_element(self, i: int, index: int, line: int, indent: bytes) -> tuple[Element, int, bool] | None:
        """A pretty-printed object ends at the first `}` indented as its `{` (a string holds no raw line break),
        found with bytes.find and the slice parsed whole. A line indented as deeply that opens an element before
        that `}` means this element's end is damaged: it is rejected and the walk goes on at that next element.
        None when no such `}` is within the buffer and the record limit (the scan then says why)."""
        d = self.data
        buf = d.buf
        close = buf.find(b"\n" + indent + b"}", i, i + self.max_bytes)  # bytes.find: far faster than a regex
        if close < 0:
            return None
        starts = [k for k in (buf.find(b"\n" + indent + b"{", i, close), buf.find(b"\n" + indent + b"[", i, close))
                  if k >= 0]  # fmt: skip
        if starts:  # the next element starts before this one closed
            nxt = min(starts) + 1 + len(indent)
            element = self.element_at(i, None, index)  # before the next start's line: line counts only go forward
            element.error = f"its end is damaged: the next element starts at line {d.line_at(nxt)}"
            return element, nxt, True
        end = close + 2 + len(indent)
        try:
            value = loads_record(buf[i:end], d.where, line=line, limits=self.limits)
        except RecordError as exc:
            return self.element_at(i, str(exc), index), end, False
        return Element(index, line, d.base + i, value), end, False

    def scan(self, i: int, *, keep: bool) -> tuple[int, str | None]:
        """The index just after the container opening at buf[i] and None, or where it breaks and why. Strings are
        skipped by regex, brackets counted (a bracket stack, never a recursion). With `keep`, the bytes from the
        start stay in the buffer (at most the record limit) and the start's index is left in self._start (a refill
        shifts indices)."""
        d = self.data
        stack = bytearray()
        start = i
        deep = False
        while True:
            buf = d.buf
            i = _SKIP.match(buf, i).end()  # type: ignore[union-attr]  # matches the empty string at worst
            if i < len(buf) and buf[i] != 0x22:
                c = buf[i]
                i += 1
                if c == 0x7B or c == 0x5B:
                    stack.append(c + 2)  # its closer: '{'+2 == '}', '['+2 == ']'
                    deep = deep or len(stack) > self.max_depth
                    continue
                self._start = start
                if not stack or stack.pop() != c:
                    return i - 1, f"'{chr(c)}' closes nothing open there: the structure is damaged"
                if not stack:
                    return i, f"nested deeper than {self.max_depth} levels (SWARMGRAPH_MAX_DEPTH)" if deep else None
                continue
            if i < len(buf) and _STRING_START.match(buf, i).end() < len(buf):  # type: ignore[union-attr]
                self._start = start
                return i, "a string broken by a line break: the structure is damaged"
            self._start = start
            if (len(buf) - start if keep else len(buf) - i) > self.max_bytes:
                return i, f"larger than {self.max_bytes:,} bytes (SWARMGRAPH_MAX_RECORD_BYTES)"
            dropped = d.fill(start if keep else i)
            if dropped < 0:
                return len(d.buf), f"truncated at byte {d.base + len(d.buf):,}"
            start -= dropped if keep else 0
            i -= dropped

    def _resync(self, start: int, end: int) -> tuple[int, bool]:
        """After the element at buf[start] broke (a scan or parse gave up at buf[end]): where the walk goes on, and
        whether that is the next element's start. When element starts are known by their shape (indentation, or
        the first key of the array's objects) the next one is looked for from the broken element's own start, not
        from where the scan gave up: a flipped quote can carry a scan through many elements. A compact array's
        next start must lie within the record limit; when none does (the last element broke), the walk goes on
        from `end` and the separator there decides."""
        if self._indent is not None:
            return self._next_start(start + 1), True
        lead = self._lead
        if lead is None:
            return self._next_start(end), True
        d = self.data
        while True:
            m = lead.search(d.buf, start + 1, start + self.max_bytes)
            if m is not None:
                return m.end(), True
            if d.eof or len(d.buf) - start >= self.max_bytes:
                return end, False
            dropped = d.fill(start)  # keeps the element's bytes: at most the record limit and a chunk
            if dropped < 0:
                return end, False
            start, end = start - dropped, end - dropped

    def _next_start(self, i: int) -> int:
        """After a broken element: the index of the next element's first byte, of the array's `]`, or the end of
        the data. In a pretty-printed array (its elements each begin on a line of their own) that is the next line
        indented as the elements are, holding `{` or `[` (or a shallower `]`): never one of a nested value's lines.
        In a compact array of objects that open with one key (`{"created_at":` for tweets), the next `,` before
        `{` and that key (a string's own quotes are escaped, so this is structure). Otherwise `}` `,` `{`."""
        d = self.data
        indent = self._indent
        pattern = self._lead or _BOUNDARY if indent is None else _indented_start(indent)
        while True:
            m = pattern.search(d.buf, i)
            if m is not None:
                return m.end()
            dropped = d.fill(max(i, len(d.buf) - 256 - len(indent or b"")))  # a match may straddle the chunks
            if dropped < 0:
                return len(d.buf)
            i = max(i - dropped, 0)


def _indent(buf: bytes, i: int) -> bytes | None:
    """The blanks before buf[i] on its line when nothing else precedes it there (a pretty-printed element)."""
    start = buf.rfind(b"\n", max(0, i - 256), i) + 1
    if start == 0:
        return None
    prefix = buf[start:i]
    return prefix if not prefix.strip(b" \t") else None


_FIRST_KEY = re.compile(rb'\{[ \t\r\n]*("(?:[^"\\\n]|\\.){1,100}")[ \t\r\n]*:')


def _lead(buf: bytes, i: int) -> re.Pattern[bytes] | None:
    """For an object at buf[i] that opens with a key: the pattern of a `,` followed by an object opening so."""
    m = _FIRST_KEY.match(buf, i)
    if m is None:
        return None
    return re.compile(rb"[ \t\r\n]*,[ \t\r\n]*(?=\{[ \t\r\n]*" + re.escape(m.group(1)) + rb"[ \t\r\n]*:)")


_STARTS: dict[bytes, re.Pattern[bytes]] = {}


def _indented_start(indent: bytes) -> re.Pattern[bytes]:
    pattern = _STARTS.get(indent)
    if pattern is None:
        shallower = rb"[ \t]{0,%d}(?=\])" % max(len(indent) - 1, 0) if indent else rb"(?=\])"
        pattern = re.compile(rb"\n(?:" + re.escape(indent) + rb"(?=[{\[])|" + shallower + rb")")
        _STARTS[indent] = pattern
    return pattern
