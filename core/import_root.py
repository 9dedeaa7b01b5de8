"""The one server folder the app may import from ($REELPULSE_IMPORT_ROOT, default data/imports/).

A visitor names a file or folder only relative to that root; whatever the name, the resolved path
(symlinks followed) must stay inside it and be a regular file or a folder. Messages name the relative
name, never a server path or anything read from a file.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from core.import_sources import LABEL_FOLDERS, SourceError, inside
from core.paths import ROOT

IMPORT_ROOT_VARIABLE = "REELPULSE_IMPORT_ROOT"
DEFAULT_IMPORT_ROOT = ROOT / "data" / "imports"
IMPORTABLE_SUFFIXES = (".csv", ".csv.gz", ".csv.xz")
MAX_LISTED = 500


class PathRefused(SourceError):
    """A name that leaves the import folder or is not a plain file or folder."""


def import_root() -> Path:
    return Path(os.environ.get(IMPORT_ROOT_VARIABLE) or DEFAULT_IMPORT_ROOT).resolve()


def confined(name: str, root: Path | None = None) -> Path:
    """The real path of `name` inside the import folder, or PathRefused."""
    root = root or import_root()
    parts = PurePosixPath(name.replace("\\", "/")).parts if isinstance(name, str) else ()
    if not parts or "\x00" in name or name.startswith(("/", "~")) or ".." in parts or ":" in parts[0]:
        raise PathRefused("Only files listed in the import folder can be imported.")
    try:
        path = (root / Path(*parts)).resolve(strict=True)
    except (OSError, RuntimeError):   # missing, a loop of links, unreadable
        raise PathRefused(f"“{name}” is not in the import folder.") from None
    if not path.is_relative_to(root):
        raise PathRefused(f"“{name}” points outside the import folder.")
    mode = path.stat().st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise PathRefused(f"“{name}” is not a regular file or folder.")
    return path


def importable(root: Path | None = None) -> list[str]:
    """Names (relative to the import folder) of the CSV files and aclImdb-style folders it holds."""
    root = root or import_root()
    if not root.is_dir():
        return []
    names = []
    for path in sorted(root.rglob("*")):
        if len(names) >= MAX_LISTED:
            break
        if not inside(path, root):
            continue
        if path.is_file() and path.name.lower().endswith(IMPORTABLE_SUFFIXES):
            names.append(path.relative_to(root).as_posix())
        elif path.is_dir() and any(p.name in LABEL_FOLDERS for p in (*path.glob("*/"), *path.glob("*/*/"))):
            names.append(path.relative_to(root).as_posix() + "/")
    return names
