"""Crash-safe file writes: atomic replacement for whole files, fsync'd appends for logs."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

BACKUPS = "recovered"   # beside a damaged file: the bytes a repair could not read, kept as they were


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A temp file beside `path`: once written it is fsync'd and renamed over `path`, and the folder fsync'd.

    If the block raises (or is interrupted), the temp file is removed and `path` is untouched."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o644)
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, fsync it, rename it over `path`, fsync the folder."""
    with replacing(path) as f:
        f.write(data)


def atomic_extend(path: Path, data: bytes) -> tuple[int, int]:
    """Swap in a copy of `path` with `data` appended (atomically); return the new file's inode and size."""
    with replacing(path) as f, open(path, "rb") as old:
        shutil.copyfileobj(old, f, 1 << 20)
        f.write(data)
    stat = path.stat()
    return stat.st_ino, stat.st_size


def append_durably(path: Path, data: bytes) -> int:
    """Append `data` and fsync; return the file's new size in bytes."""
    with open(path, "ab") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
        return f.tell()


def truncate_to(path: Path, size: int) -> None:
    """Cut a file back to `size` bytes (dropping a torn last line) and make that durable."""
    with open(path, "r+b") as f:
        f.truncate(size)
        f.flush()
        os.fsync(f.fileno())


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete temp files that a killed `replacing` left behind (call only while no writer can be mid-write)."""
    stale = list(folder.glob(".*.tmp"))
    for tmp in stale:
        tmp.unlink(missing_ok=True)
    return stale


def keep_backup(path: Path, data: bytes) -> Path:
    """Save `data` (unreadable bytes of `path`) as recovered/<name>.<UTC time>.bad before a repair drops them."""
    folder = path.parent / BACKUPS
    folder.mkdir(exist_ok=True)
    backup = folder / f"{path.name}.{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}.bad"
    atomic_write(backup, data)
    return backup
