"""Where things live: the shipped seed in the repository and the live store (REELPULSE_STORE_URL or
REELPULSE_DATA_DIR)."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "data" / "seed"
DEFAULT_STORE_DIR = ROOT / "data" / "store"
DATA_DIR_VARIABLE = "REELPULSE_DATA_DIR"
STORE_URL_VARIABLE = "REELPULSE_STORE_URL"


def store_dir() -> Path:
    """The live store's folder: $REELPULSE_DATA_DIR, or data/store/ in the repository."""
    return Path(os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_STORE_DIR)


def store_location() -> str:
    """The live store: $REELPULSE_STORE_URL (a postgresql:// database), else store_dir()."""
    return os.environ.get(STORE_URL_VARIABLE) or str(store_dir())
