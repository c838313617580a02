"""Byte streams derived from a stored input: decompressed (gzip, bzip2, xz, zstd, judged by the first bytes) and
transcoded (UTF-16 with a BOM to UTF-8) while reading, a window on an archive member's bytes, and the limits that
bound them (LIMIT_VARIABLES, each overridable in the environment). Used by etl/containers.py."""

from __future__ import annotations

import bz2
import codecs
import gzip
import importlib
import io
import lzma
import os
import tarfile
import zipfile
import zlib
from typing import Any, BinaryIO

from etl.errors import SourceFormatError

MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"))
# What decompressors and archive readers raise on damaged bytes: each becomes one message naming the input.
DAMAGE: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile,
                                            tarfile.TarError)  # fmt: skip
zstandard: Any  # the optional zstandard module: .zst inputs are read only where it is installed
try:
    zstandard = importlib.import_module("zstandard")
    DAMAGE += (zstandard.ZstdError,)
except ImportError:
    zstandard = None

UNREADABLE_MEMBER: tuple[type[BaseException], ...] = (NotImplementedError, *DAMAGE)
CHUNK = 1 << 20
LIMIT_VARIABLES = {
    "members": ("SWARMGRAPH_MAX_ARCHIVE_MEMBERS", 100_000),  # entries of one archive (each costs memory to list)
    "bytes": ("SWARMGRAPH_MAX_ARCHIVE_BYTES", 32 << 30),  # uncompressed bytes of one archive's data members
    "ratio": ("SWARMGRAPH_MAX_COMPRESSION_RATIO", 200),  # uncompressed / compressed size, beyond a first 16 MB
}
RATIO_FLOOR = 16 << 20  # small inputs may compress well (a file of one repeated line): the ratio counts beyond this


class ContainerError(SourceFormatError):
    """An archive or compressed input that is damaged, or beyond a limit; the message names it and the limit.
    `offset`: the uncompressed byte where a stream broke, when it broke while being read."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


def limit(name: str) -> int:
    """The limit `name` of LIMIT_VARIABLES: its environment variable when set to a positive number, else the default."""
    variable, default = LIMIT_VARIABLES[name]
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ContainerError(f"{variable}={raw!r} is not a whole number") from exc
    if value <= 0:
        raise ContainerError(f"{variable} must be positive, not {value}")
    return value


class _Derived(io.RawIOBase):
    """Bytes derived from another stream (decompressed, transcoded, or a window on it), read forward; seeking back
    starts over (the readers seek only to the start, to read a file twice)."""

    def __init__(self, name: str) -> None:
        self.name_for_errors = name
        self._pos = 0
        self._pending = b""
        self._start()

    def _start(self) -> None:
        raise NotImplementedError

    def _read(self, n: int) -> bytes:
        raise NotImplementedError

    def _damaged(self, exc: BaseException) -> ContainerError:
        return ContainerError(
            f"{self.name_for_errors}: damaged or cut short after {self._pos:,} bytes: {exc}", self._pos
        )

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if not self._pending:
            try:
                self._pending = self._read(max(len(view), CHUNK))
            except ContainerError:
                raise
            except DAMAGE as exc:
                raise self._damaged(exc) from exc
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = self._pos + offset if whence == io.SEEK_CUR else offset
        if whence not in (io.SEEK_SET, io.SEEK_CUR) or target < 0:
            raise io.UnsupportedOperation("a decompressed or transcoded input seeks forward from its start only")
        if target < self._pos:
            self._close_source()
            self._pos, self._pending = 0, b""
            self._start()
        while self._pos < target:
            if not self.readinto(bytearray(min(CHUNK, target - self._pos))):
                break
        return self._pos

    def tell(self) -> int:
        return self._pos

    def _close_source(self) -> None:
        pass


class _Decompressed(_Derived):
    """One compressed input: gzip (also several members one after another), bzip2, xz or zstd."""

    def __init__(self, stored: BinaryIO, kind: str, name: str) -> None:
        self._stored, self.kind = stored, kind
        self._stream: Any = None  # GzipFile, BZ2File, LZMAFile or zstandard's reader
        self._max_ratio = limit("ratio")
        super().__init__(name)

    def _start(self) -> None:
        self._stored.seek(0)
        if self.kind == "gzip":
            self._stream = gzip.GzipFile(fileobj=self._stored, mode="rb")
        elif self.kind == "bzip2":
            self._stream = bz2.BZ2File(self._stored)
        elif self.kind == "xz":
            self._stream = lzma.LZMAFile(self._stored)
        elif zstandard is not None:
            dctx = zstandard.ZstdDecompressor()
            self._stream = dctx.stream_reader(self._stored, read_across_frames=True, closefd=False)
        else:
            raise ContainerError(f"{self.name_for_errors}: zstandard-compressed; install the optional zstandard module "
                                 "(pip install 'swarmgraph[zstd]') or decompress it first")  # fmt: skip

    def _damaged(self, exc: BaseException) -> ContainerError:
        return ContainerError(f"{self.name_for_errors}: the {self.kind} data is damaged or cut short after "
                              f"{self._pos:,} bytes: {exc}", self._pos)  # fmt: skip

    def _read(self, n: int) -> bytes:
        assert self._stream is not None
        data = self._stream.read1(n)  # one step at a time: the bytes before a cut are delivered before its error
        if self._pos > RATIO_FLOOR:
            ratio = self._pos / max(self._stored.tell(), 1)
            if ratio > self._max_ratio:
                raise ContainerError(f"{self.name_for_errors}: its {self.kind} data expands more than "
                                     f"{self._max_ratio} times (a compression bomb?); the limit is "
                                     f"{LIMIT_VARIABLES['ratio'][0]}", self._pos)  # fmt: skip
        return data

    def _close_source(self) -> None:
        if self._stream is not None:
            self._stream.close()

    def close(self) -> None:
        if not self.closed:
            self._close_source()
            self._stored.close()
        super().close()


class _Utf16(_Derived):
    """A UTF-16 text (after its BOM) as UTF-8 bytes; undecodable pairs become U+FFFD."""

    def __init__(self, inner: BinaryIO, codec: str, name: str) -> None:
        self._inner, self._codec = inner, codec
        self._decoder = codecs.getincrementaldecoder(codec)("replace")
        super().__init__(name)

    def _start(self) -> None:
        self._inner.seek(2)
        self._decoder.reset()

    def _read(self, n: int) -> bytes:
        while True:
            raw = self._inner.read(n)
            text = self._decoder.decode(raw, final=not raw)
            if text or not raw:
                return text.encode("utf-8")

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()


class Window(_Derived):
    """`size` bytes (None: all) of a seekable stream from `start` (past a BOM, or a member inside a tar)."""

    def __init__(self, inner: BinaryIO, start: int, size: int | None, name: str) -> None:
        self._inner, self._offset, self._size = inner, start, size
        super().__init__(name)

    def _start(self) -> None:
        self._inner.seek(self._offset)

    def _read(self, n: int) -> bytes:
        if self._size is not None:
            n = min(n, self._size - self._pos)
        return self._inner.read(n) if n > 0 else b""

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END and self._size is not None:
            offset, whence = self._size + offset, io.SEEK_SET
        target = self._pos + offset if whence == io.SEEK_CUR else offset
        if whence not in (io.SEEK_SET, io.SEEK_CUR) or target < 0:
            raise io.UnsupportedOperation("seek from the end of an input of unknown size")
        self._inner.seek(self._offset + target)
        self._pos, self._pending = target, b""
        return target

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()


def buffered(raw: io.RawIOBase) -> BinaryIO:
    return io.BufferedReader(raw, CHUNK)  # type: ignore[return-value,unused-ignore]


def _peek(stream: BinaryIO, n: int) -> bytes:
    head = stream.read(n)
    stream.seek(0)
    return head


def decoded(stored: BinaryIO, name: str, *, keep_gzip: bool = False) -> BinaryIO:
    """`stored` decompressed (by its first bytes, whatever its name) and as UTF-8 without a BOM."""
    head = _peek(stored, 6)
    kind = next((k for magic, k in MAGIC if head.startswith(magic)), None)
    stream = stored
    if kind is not None and not (keep_gzip and kind == "gzip"):
        stream = buffered(_Decompressed(stored, kind, name))
        head = _peek(stream, 4)
    if head.startswith(codecs.BOM_UTF8):
        return buffered(Window(stream, 3, None, name))
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom) and not head.startswith(codecs.BOM_UTF32_LE):
            return buffered(_Utf16(stream, codec, name))
    return stream


def decoded_archive(stored: BinaryIO, name: str) -> BinaryIO:
    """A tar file's bytes, decompressed when it is compressed (no transcoding: a tar is binary)."""
    head = _peek(stored, 6)
    kind = next((k for magic, k in MAGIC if head.startswith(magic)), None)
    return stored if kind is None else buffered(_Decompressed(stored, kind, name))
