"""Where an input's bytes come from (docs/inputs.md, "Compressed files and archives" and "Encodings"): a file or an
archive member, decompressed (gzip, bzip2, xz, zstd) and transcoded (UTF-16 with a BOM) while streaming.

An archive member is named `<archive>!/<member path>` (`case.zip!/telegram/result.json`): a Path that exists nowhere
on disk. Members are read as streams straight from the archive; nothing is ever unpacked, so a member called
`../../x` names nothing outside. Limits (members per archive, bytes per archive, compression ratio) are checked
before anything is read; each can be set in the environment (LIMIT_VARIABLES).
"""

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
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from etl.errors import SourceFormatError

MEMBER_SEPARATOR = "!/"
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst",
                    ".tzst")  # fmt: skip
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"))
# What decompressors and archive readers raise on damaged bytes: each becomes one message naming the input.
_DAMAGE: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile,
                                            tarfile.TarError)  # fmt: skip
zstandard: Any  # the optional zstandard module: .zst inputs are read only where it is installed
try:
    zstandard = importlib.import_module("zstandard")
    _DAMAGE += (zstandard.ZstdError,)
except ImportError:
    zstandard = None

_UNREADABLE_MEMBER: tuple[type[BaseException], ...] = (NotImplementedError, *_DAMAGE)
CHUNK = 1 << 20
LIMIT_VARIABLES = {
    "members": ("SWARMGRAPH_MAX_ARCHIVE_MEMBERS", 100_000),  # entries of one archive (each costs memory to list)
    "bytes": ("SWARMGRAPH_MAX_ARCHIVE_BYTES", 32 << 30),  # uncompressed bytes of one archive's data members
    "ratio": ("SWARMGRAPH_MAX_COMPRESSION_RATIO", 200),  # uncompressed / compressed size, beyond a first 16 MB
}
RATIO_FLOOR = 16 << 20  # small inputs may compress well (a file of one repeated line): the ratio counts beyond this
MEMBER_CACHE_BYTES = 64 << 20  # members of a compressed tar kept in memory, so reading one twice does not re-inflate


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


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def content_name(name: str) -> str:
    """A file's name without its compression suffix: `tweets.jsonl.gz` -> `tweets.jsonl` (an archive keeps its name)."""
    lower = name.lower()
    if is_archive_name(lower) or lower.endswith(".warc.gz"):
        return name
    for suffix in COMPRESSED_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def member_path(archive: Path, name: str) -> Path:
    return Path(f"{archive}{MEMBER_SEPARATOR}{name}")


def split_member(path: Path) -> tuple[Path, str] | None:
    """(archive, member name) of a member path; None for a path that names no member of an archive on disk."""
    text = str(path)
    start = 0
    while (i := text.find(MEMBER_SEPARATOR, start)) != -1:
        head = text[:i]
        if is_archive_name(head) and Path(head).is_file():
            return Path(head), text[i + len(MEMBER_SEPARATOR) :]
        start = i + 1
    return None


def normalise_member_name(name: str) -> str:
    """A member's name as a Path keeps it: no empty or '.' parts, no leading '/'; '..' stays (it names nothing)."""
    return "/".join(part for part in name.replace("\\", "/").split("/") if part not in ("", "."))


# ----- streams ----------------------------------------------------------------------------------------------
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
            except _DAMAGE as exc:
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


class _Window(_Derived):
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


def _buffered(raw: io.RawIOBase) -> BinaryIO:
    return io.BufferedReader(raw, CHUNK)  # type: ignore[return-value,unused-ignore]


def _peek(stream: BinaryIO, n: int) -> bytes:
    head = stream.read(n)
    stream.seek(0)
    return head


def decoded(stored: BinaryIO, name: str, *, keep_gzip: bool = False) -> BinaryIO:
    """`stored` decompressed (by its first bytes, whatever its name) and as UTF-8 without a BOM."""
    head = _peek(stored, 6)
    kind = next((k for magic, k in _MAGIC if head.startswith(magic)), None)
    stream = stored
    if kind is not None and not (keep_gzip and kind == "gzip"):
        stream = _buffered(_Decompressed(stored, kind, name))
        head = _peek(stream, 4)
    if head.startswith(codecs.BOM_UTF8):
        return _buffered(_Window(stream, 3, None, name))
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom) and not head.startswith(codecs.BOM_UTF32_LE):
            return _buffered(_Utf16(stream, codec, name))
    return stream


# ----- archives ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Member:
    name: str  # as normalise_member_name keeps it
    size: int
    mtime: float
    stored_size: int
    ref: Any  # the ZipInfo or TarInfo


class Archive:
    """The members of one zip or tar file (listed once, read as many times as asked, never unpacked)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.members: dict[str, Member] = {}
        self.is_web_archive = False
        self._zip: zipfile.ZipFile | None = None
        self._compressed_tar = False
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        try:
            if path.name.lower().endswith(".zip"):
                self._list_zip()
            else:
                self._list_tar()
        except ContainerError:
            raise
        except _DAMAGE as exc:
            kind = "zip" if path.name.lower().endswith(".zip") else "tar"
            raise ContainerError(f"{path}: not a readable {kind} archive: {exc}") from exc

    def _add(self, name: str, size: int, mtime: float, stored: int, ref: Any) -> None:
        key = normalise_member_name(name)
        if key and key not in self.members:
            self.members[key] = Member(key, size, mtime, stored, ref)

    def _list_zip(self) -> None:
        with open(self.path, "rb") as fh:
            end = getattr(zipfile, "_EndRecData", lambda _f: None)(fh)  # the entry count, read before listing them
        if end is not None and end[4] > limit("members"):
            raise self._too_many(f"{end[4]:,} members")
        self._zip = zipfile.ZipFile(self.path)
        for info in self._zip.infolist():
            if info.is_dir() or (info.external_attr >> 16) & 0o170000 == 0o120000:  # folders, symbolic links
                continue
            mtime = datetime(*info.date_time, tzinfo=UTC).timestamp()  # zip times carry no zone: read as UTC
            self._add(info.filename, info.file_size, mtime, info.compress_size, info)
        names = set(self._zip.namelist())
        self.is_web_archive = "datapackage.json" in names and any(n.startswith("archive/") for n in names)

    def _list_tar(self) -> None:
        with self._open_tar_stream() as stream, tarfile.open(fileobj=stream, mode="r:") as tf:
            count = 0
            while (info := tf.next()) is not None:
                count += 1
                if count > limit("members"):
                    raise self._too_many(f"{count:,} members or more")
                if info.isreg():  # links, devices and folders name nothing to read
                    self._add(info.name, info.size, float(info.mtime), info.size, info)
                tf.members.clear()  # type: ignore[attr-defined]  # tarfile keeps every header it read; listing a huge tar must not
        self._compressed_tar = not _is_plain_tar(self.path)

    def _open_tar_stream(self) -> BinaryIO:
        stored: BinaryIO = open(self.path, "rb")  # noqa: SIM115 - closed by the caller (through the stream)
        return decoded_archive(stored, str(self.path))

    def _too_many(self, count: str) -> ContainerError:
        variable, _ = LIMIT_VARIABLES["members"]
        return ContainerError(f"{self.path}: {count}, more than the {limit('members'):,} an archive may hold "
                              f"(set {variable} to allow more, or unpack it and load the folder)")  # fmt: skip

    def check_limits(self, members: list[Member]) -> None:
        """The data members to load fit the total size and compression ratio limits (zip bombs are refused)."""
        total = sum(m.size for m in members)
        variable, _ = LIMIT_VARIABLES["bytes"]
        if total > limit("bytes"):
            raise ContainerError(f"{self.path}: more than {limit('bytes'):,} bytes uncompressed in its data members "
                                 f"({total:,}); set {variable} to allow more")  # fmt: skip
        ratio_var, _ = LIMIT_VARIABLES["ratio"]
        for m in members:
            if m.size > RATIO_FLOOR and m.size / max(m.stored_size, 1) > limit("ratio"):
                raise ContainerError(f"{self.path}{MEMBER_SEPARATOR}{m.name}: {m.size:,} bytes compressed "
                                     f"{m.size // max(m.stored_size, 1)} times, more than the {limit('ratio')} "
                                     f"allowed (a zip bomb?); set {ratio_var} to allow more")  # fmt: skip
        stored = self.path.stat().st_size
        if self._compressed_tar and total > RATIO_FLOOR and total / max(stored, 1) > limit("ratio"):
            raise ContainerError(
                f"{self.path}: {total:,} bytes compressed {total // max(stored, 1)} times, more "
                f"than the {limit('ratio')} allowed (a tar bomb?); set {ratio_var} to allow more"
            )

    def open(self, name: str) -> BinaryIO:
        member = self.members.get(normalise_member_name(name))
        if member is None:
            raise FileNotFoundError(f"{self.path}{MEMBER_SEPARATOR}{name}: no such member in the archive")
        label = f"{self.path}{MEMBER_SEPARATOR}{member.name}"
        if self._zip is not None:
            if member.ref.flag_bits & 0x1:
                raise ContainerError(f"{label}: an encrypted member; swarmgraph reads no encrypted archives", 0)
            try:
                inner: Any = self._zip.open(member.ref)
            except _UNREADABLE_MEMBER as exc:  # a compression method zipfile lacks (deflate64 ...), a bad header
                raise ContainerError(f"{label}: cannot be read: {exc}", 0) from exc
            return _buffered(_Window(inner, 0, member.size, label))
        if member.name in self._cache:
            self._cache.move_to_end(member.name)
            return io.BytesIO(self._cache[member.name])
        stream = _buffered(_Window(self._open_tar_stream(), member.ref.offset_data, member.size, label))
        if self._compressed_tar and member.size <= MEMBER_CACHE_BYTES // 4:
            with stream:
                data = stream.read()
            self._cache[member.name] = data
            while sum(len(v) for v in self._cache.values()) > MEMBER_CACHE_BYTES:
                self._cache.popitem(last=False)
            return io.BytesIO(data)
        return stream


def _is_plain_tar(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(6)
    return not any(head.startswith(magic) for magic, _ in _MAGIC)


def decoded_archive(stored: BinaryIO, name: str) -> BinaryIO:
    """A tar file's bytes, decompressed when it is compressed (no transcoding: a tar is binary)."""
    head = _peek(stored, 6)
    kind = next((k for magic, k in _MAGIC if head.startswith(magic)), None)
    return stored if kind is None else _buffered(_Decompressed(stored, kind, name))


_ARCHIVES: OrderedDict[tuple[str, int, int], Archive] = OrderedDict()


def archive(path: Path) -> Archive:
    """The listed archive at `path` (kept for the next member read while the file is unchanged)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key in _ARCHIVES:
        _ARCHIVES.move_to_end(key)
        return _ARCHIVES[key]
    found = Archive(path)
    _ARCHIVES[key] = found
    while len(_ARCHIVES) > 4:
        _, old = _ARCHIVES.popitem(last=False)
        if old._zip is not None:
            old._zip.close()
    return found


def list_members(path: Path, keep: Callable[[Path], bool]) -> list[Path] | None:
    """The member paths of an archive that `keep` accepts, in name order, after the limits are checked; None for a
    zip that is a web archive (WACZ), read whole by the WARC reader."""
    found = archive(path)
    if found.is_web_archive:
        return None
    kept = [m for name, m in sorted(found.members.items()) if keep(member_path(path, name))]
    found.check_limits(kept)
    return [member_path(path, m.name) for m in kept]


def open_stored(path: Path) -> BinaryIO:
    """The bytes as stored: a file on disk, or a member of an archive (its content, the archive's own compression
    undone)."""
    try:
        return open(path, "rb")
    except (FileNotFoundError, NotADirectoryError):
        split = split_member(path)
        if split is None:
            raise
        return archive(split[0]).open(split[1])


def stored_member(path: Path) -> Member | None:
    """The archive member a path names; None for a file on disk."""
    if path.exists():
        return None
    split = split_member(path)
    if split is None:
        return None
    return archive(split[0]).members.get(normalise_member_name(split[1]))
