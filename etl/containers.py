"""Where an input's bytes come from (docs/inputs.md, "Compressed files and archives" and "Encodings"): a file or an
archive member, decompressed (gzip, bzip2, xz, zstd) and transcoded (UTF-16 with a BOM) while streaming.

An archive member is named `<archive>!/<member path>` (`case.zip!/telegram/result.json`): a Path that exists nowhere
on disk. Members are read as streams straight from the archive; nothing is ever unpacked, so a member called
`../../x` names nothing outside. Limits (members per archive, bytes per archive, compression ratio) are checked
before anything is read; each can be set in the environment (etl/streams.py, LIMIT_VARIABLES). The streams that
decompress and transcode live in etl/streams.py.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from etl.streams import (
    DAMAGE,
    LIMIT_VARIABLES,
    MAGIC,
    RATIO_FLOOR,
    UNREADABLE_MEMBER,
    ContainerError,
    Window,
    buffered,
    decoded_archive,
    limit,
)

MEMBER_SEPARATOR = "!/"
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst",
                    ".tzst")  # fmt: skip
MEMBER_CACHE_BYTES = 64 << 20  # members of a compressed tar kept in memory, so reading one twice does not re-inflate


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
        except DAMAGE as exc:
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
            except UNREADABLE_MEMBER as exc:  # a compression method zipfile lacks (deflate64 ...), a bad header
                raise ContainerError(f"{label}: cannot be read: {exc}", 0) from exc
            return buffered(Window(inner, 0, member.size, label))
        if member.name in self._cache:
            self._cache.move_to_end(member.name)
            return io.BytesIO(self._cache[member.name])
        stream = buffered(Window(self._open_tar_stream(), member.ref.offset_data, member.size, label))
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
    return not any(head.startswith(magic) for magic, _ in MAGIC)


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
