"""Where imported reviews come from: a CSV with mapped columns, our IMDB CSV, or an aclImdb-style folder.

Every source yields Rows (raw strings, numbered from 1 in reading order) and checks nothing
beyond its own shape: the importer decides what a row is worth.
"""
from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO

import pandas as pd

ACL_NAME = re.compile(r"^(\d+)_(\d+)\.txt$")
TITLE_IN_URL = re.compile(r"/title/(tt\d+)")
LABEL_FOLDERS = ("neg", "pos", "unsup")
COMPRESSION = {".xz": "xz", ".gz": "gzip"}


@dataclass(frozen=True)
class ColumnMap:
    """Which CSV column holds what; date and stars are optional."""

    text: str
    movie: str
    date: str | None = None
    stars: str | None = None

    def columns(self) -> list[str]:
        return [c for c in (self.text, self.movie, self.date, self.stars) if c]


IMDB_CSV = ColumnMap(text="text", movie="imdb_title_id", stars="rating")   # ../shared/datasets/imdb/*.csv.xz


@dataclass(frozen=True)
class Row:
    number: int
    text: str
    movie: str
    date: str = ""
    stars: str = ""
    where: str = ""     # e.g. the file a folder row came from


class SourceError(ValueError):
    """The source as a whole cannot be read (not a CSV, a mapped column missing, no reviews in a folder)."""


def read_header(source: str | Path | IO[bytes]) -> list[str]:
    """The CSV's column names (for mapping them in the UI)."""
    return list(read_frame(source, nrows=0).columns)


def read_frame(source: str | Path | IO[bytes], usecols: list[str] | None = None,
               nrows: int | None = None) -> pd.DataFrame:
    suffix = Path(str(getattr(source, "name", source))).suffix   # uploads are buffers: infer from their name
    try:
        return pd.read_csv(source, dtype=str, keep_default_na=False, usecols=usecols, nrows=nrows,
                           compression=COMPRESSION.get(suffix, "infer"), encoding_errors="replace")
    except ValueError as err:   # pandas' ParserError, a missing usecol and bad compression are ValueErrors
        raise SourceError(f"cannot read the CSV: {err}") from err


def csv_rows(source: str | Path | IO[bytes], mapping: ColumnMap, limit: int | None = None) -> Iterator[Row]:
    if hasattr(source, "seek"):
        source.seek(0)
    frame = read_frame(source, mapping.columns(), limit)
    empty = pd.Series("", index=frame.index)
    columns = [frame[c] if c else empty for c in (mapping.text, mapping.movie, mapping.date, mapping.stars)]
    for number, (text, movie, date, stars) in enumerate(zip(*columns), 1):
        yield Row(number, text, movie, date, stars)


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, links followed, is a regular file or a folder within `root` (a resolved path)."""
    try:
        real = path.resolve(strict=True)
        mode = real.stat().st_mode
    except (OSError, RuntimeError):
        return False
    return real.is_relative_to(root) and (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def acl_rows(folder: Path, limit: int | None = None) -> Iterator[Row]:
    """Reviews in aclImdb layout: <split>/{neg,pos,unsup}/<id>_<stars>.txt with urls_<label>.txt beside.
    Files that links place outside the folder are not read."""
    root = folder.resolve()
    label_dirs = sorted(p for p in folder.rglob("*") if p.is_dir() and p.name in LABEL_FOLDERS and inside(p, root))
    if not label_dirs:
        raise SourceError(f"the folder “{folder.name}” has no aclImdb-style pos/neg/unsup folders")
    rows = (row for d in label_dirs for row in _label_dir_rows(d, folder, root))
    for number, row in enumerate(islice(rows, limit), 1):
        yield Row(number, row.text, row.movie, row.date, row.stars, row.where)


def _label_dir_rows(label_dir: Path, folder: Path, root: Path) -> Iterator[Row]:
    urls_path = label_dir.parent / f"urls_{label_dir.name}.txt"
    urls = urls_path.read_text(encoding="utf-8").splitlines() if inside(urls_path, root) else []
    for path in sorted(label_dir.glob("*.txt"), key=lambda p: (len(p.name), p.name)):
        if not (path.is_file() and inside(path, root)):
            continue
        name = ACL_NAME.match(path.name)
        review_id = int(name.group(1)) if name else -1
        url = urls[review_id] if 0 <= review_id < len(urls) else ""
        title = TITLE_IN_URL.search(url)
        stars = name.group(2) if name and name.group(2) != "0" else ""
        yield Row(0, path.read_text(encoding="utf-8", errors="replace"), title.group(1) if title else "",
                  stars=stars, where=str(path.relative_to(folder)))


def open_rows(path: Path, mapping: ColumnMap | None = None, limit: int | None = None) -> Iterator[Row]:
    """Rows from a folder (aclImdb layout) or a CSV (our IMDB CSV form unless `mapping` says otherwise)."""
    if path.is_dir():
        return acl_rows(path, limit)
    if not path.is_file():
        raise SourceError(f"“{path.name}” is neither a file nor a folder")
    if mapping is None:
        header = read_header(path)
        if not set(IMDB_CSV.columns()) <= set(header):
            raise SourceError(f"{path.name}: map its columns (found {', '.join(header)}); without a mapping "
                              f"a CSV needs the IMDB columns {', '.join(IMDB_CSV.columns())}")
        mapping = IMDB_CSV
    return csv_rows(path, mapping, limit)


GUESSES = {"text": ("text", "review", "content", "body"), "movie": ("imdb_title_id", "imdb_id", "movie", "title", "film"),
           "date": ("date", "created_at", "time", "when"), "stars": ("stars", "rating", "score")}


def guess_column(header: list[str], field_name: str) -> str | None:
    """The column most likely to hold `field_name` (text, movie, date or stars), by its name."""
    lowered = {column.strip().lower(): column for column in header}
    return next((lowered[name] for name in GUESSES[field_name] if name in lowered), None)
