"""The zip of an evidence pack: written the same way every time, and read without trusting it.

Reading refuses, before any content is read: what is not a zip, more than MAX_ENTRIES entries, a name that is
absolute, climbs out (`..`), has backslashes, control characters or empty parts, two names that are the same (or the
same but for letter case, which would overwrite each other on many disks), encrypted entries, symbolic links,
compression other than stored or deflate, and sizes over the bounds: a file over MAX_FILE_BYTES, all files together
over MAX_TOTAL_BYTES, or one that would inflate more than MAX_RATIO times (a zip bomb). Reading one file then stops
at the size its header states, and a damaged file (bad CRC) is reported for that file alone.
"""

from __future__ import annotations

import hashlib
import io
import re
import stat
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

MAX_ENTRIES = 20_000
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # inflated size / stored size, for files over RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
MAX_NAME = 255
CHUNK = 1024 * 1024
_DRIVE = re.compile(r"[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PackUnreadable(ValueError):
    """The zip (or one file in it) cannot be read safely; the message says why, in one line."""


def name_problem(name: str) -> str:
    """Why `name` is no acceptable path inside a pack ("" when it is one)."""
    if not name or len(name) > MAX_NAME:
        return f"a name of {len(name)} characters"
    if "\\" in name or _CONTROL.search(name):
        return "a name with backslashes or control characters"
    if name.startswith("/") or _DRIVE.match(name):
        return "an absolute name"
    parts = name.split("/")
    if ".." in parts:
        return "a name that climbs out of the folder (..)"
    if any(part in ("", ".") for part in parts):
        return "a name with an empty or '.' part"
    return ""


def _shown(name: str) -> str:
    return name.encode("ascii", "backslashreplace").decode("ascii")[:120]


def write_pack(files: Sequence[tuple[str, bytes]], moment: datetime) -> bytes:
    """The zip's bytes: the files in the order given, deflated, each dated `moment` (UTC wall time), mode 0644."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in files:
            problem = name_problem(name)
            if problem:
                raise ValueError(f"{_shown(name)}: {problem}")
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, data)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class Digest:
    size: int
    sha256: str


class PackReader:
    """An open pack whose entries passed the checks above; `names` are its files (folders left out)."""

    def __init__(self, archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], total: int) -> None:
        self._archive = archive
        self._infos = infos
        self.total_bytes = total

    @property
    def names(self) -> list[str]:
        return list(self._infos)

    def __contains__(self, name: object) -> bool:
        return name in self._infos

    def _chunks(self, name: str) -> Iterator[bytes]:
        info = self._infos[name]
        read = 0
        try:
            with self._archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    read += len(chunk)
                    if read > info.file_size:
                        raise PackUnreadable(f"{_shown(name)} holds more than the {info.file_size:,} bytes its "
                                             "header states")
                    yield chunk
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            if isinstance(exc, PackUnreadable):
                raise
            raise PackUnreadable(f"{_shown(name)} is damaged inside the zip ({str(exc)[:100]})") from None

    def read(self, name: str) -> bytes:
        return b"".join(self._chunks(name))

    def digest(self, name: str) -> Digest:
        hasher, size = hashlib.sha256(), 0
        for chunk in self._chunks(name):
            hasher.update(chunk)
            size += len(chunk)
        return Digest(size, hasher.hexdigest())

    def close(self) -> None:
        self._archive.close()


def open_pack(source: Path | bytes) -> PackReader:
    """The pack at `source` (a file, or its bytes), its entries checked; PackUnreadable when it cannot be read
    safely. Close it after use."""
    target: Path | BinaryIO = io.BytesIO(source) if isinstance(source, bytes) else source
    if isinstance(source, Path):
        if not source.exists():
            raise PackUnreadable(f"{source} does not exist")
        if source.is_dir():
            raise PackUnreadable(f"{source} is a folder, not a zip file")
    what = "it" if isinstance(source, bytes) else str(source)
    try:
        archive = zipfile.ZipFile(target)
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise PackUnreadable(f"{what} is not a zip file (or its directory is damaged)") from None
    except OSError as exc:
        raise PackUnreadable(f"{what} cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        infos, total = _checked_entries(archive.infolist())
    except PackUnreadable:
        archive.close()
        raise
    return PackReader(archive, infos, total)


def _checked_entries(entries: list[zipfile.ZipInfo]) -> tuple[dict[str, zipfile.ZipInfo], int]:
    if len(entries) > MAX_ENTRIES:
        raise PackUnreadable(f"it has {len(entries):,} entries; a pack has at most {MAX_ENTRIES:,}")
    files: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()
    total = 0
    for info in entries:
        name = info.filename
        folder = name.endswith("/")
        problem = name_problem(name[:-1] if folder else name)
        if problem:
            raise PackUnreadable(f"the entry {_shown(name)} has {problem}")
        key = name.casefold()
        if key in seen:
            raise PackUnreadable(f"the name {_shown(name)} appears twice (or twice but for letter case)")
        seen.add(key)
        if info.flag_bits & 0x1:
            raise PackUnreadable(f"{_shown(name)} is encrypted")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise PackUnreadable(f"{_shown(name)} is a symbolic link")
        if folder:
            if info.file_size:
                raise PackUnreadable(f"the folder entry {_shown(name)} has content")
            continue
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise PackUnreadable(f"{_shown(name)} uses compression method {info.compress_type} (only stored and "
                                 "deflate are read)")
        if info.file_size > MAX_FILE_BYTES:
            raise PackUnreadable(f"{_shown(name)} would inflate to {info.file_size:,} bytes; a file of a pack is at "
                                 f"most {MAX_FILE_BYTES:,}")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PackUnreadable(f"{_shown(name)} would inflate {info.file_size // max(info.compress_size, 1):,} "
                                 "times (a zip bomb?)")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise PackUnreadable(f"its files would inflate to more than {MAX_TOTAL_BYTES:,} bytes")
        files[name] = info
    return files, total
