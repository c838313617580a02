"""A depth guard for the JSON readers that stream with ijson (Telethon, TGDataset, yt-dlp, YouTube API, archive.org,
Wayback, evidence sidecars): the bytes pass through unchanged while the nesting of arrays and objects outside strings
is counted (C regex steps, one Python step per bracket). ijson builds a prefix string per event from the whole path,
so a document nested 100,000 levels deep cost gigabytes; past SWARMGRAPH_MAX_DEPTH the guard stops the stream with a
ContainerError at that byte, which etl/readers/common.read_guarded turns into a Reject: what came before stays
loaded. (The Telegram Desktop and JSON-array readers walk with etl/json_stream.py instead, which skips just the deep
record.)"""

from __future__ import annotations

import io
import re
from typing import Any, BinaryIO

from etl.limits import current
from etl.streams import ContainerError

_SKIP = re.compile(rb'(?:[^"\[\]{}]+|"(?:[^"\\]|\\.)*")*', re.DOTALL)
_STRING_REST = re.compile(rb'(?:[^"\\]|\\.)*"', re.DOTALL)  # the rest of a string, its closing quote included
_OPEN_TAIL = re.compile(rb'(?:[^"\\]|\\.)*(\\?)\Z', re.DOTALL)  # a string running to the chunk's end


class DepthGuard(io.RawIOBase):
    def __init__(self, inner: BinaryIO, name: str) -> None:
        self._inner = inner
        self._name = name
        self._max = current().max_depth
        self._reset()

    def _reset(self) -> None:
        self._depth = 0
        self._in_string = False
        self._escape = False  # the chunk ended on a backslash inside a string
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence != io.SEEK_SET or offset != 0:
            raise io.UnsupportedOperation("a depth-guarded stream seeks only to its start")
        self._inner.seek(0)
        self._reset()
        return 0

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._inner.read(len(view))
        if data:
            self._check(data)
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()

    def _check(self, data: bytes) -> None:
        i = 0
        if self._in_string:
            i = 1 if self._escape else 0
            self._escape = False
            m = _STRING_REST.match(data, i)
            if m is None:
                self._escape = bool(_OPEN_TAIL.match(data, i).group(1))  # type: ignore[union-attr]
                return
            i = m.end()
            self._in_string = False
        end = len(data)
        while True:
            i = _SKIP.match(data, i).end()  # type: ignore[union-attr]  # matches the empty string at worst
            if i >= end:
                return
            c = data[i]
            if c == 0x22:  # a string that goes on in the next chunk
                self._in_string = True
                self._escape = bool(_OPEN_TAIL.match(data, i + 1).group(1))  # type: ignore[union-attr]
                return
            if c == 0x7B or c == 0x5B:
                self._depth += 1
                if self._depth > self._max:
                    at = self._pos + i
                    raise ContainerError(f"{self._name}: nested deeper than {self._max} levels at byte {at:,} "
                                         "(SWARMGRAPH_MAX_DEPTH); the rest of the file is not read", at)  # fmt: skip
            else:
                self._depth -= 1
            i += 1


def guarded(fh: BinaryIO, name: str) -> BinaryIO:
    return io.BufferedReader(DepthGuard(fh, name), 1 << 16)  # type: ignore[return-value,unused-ignore]
