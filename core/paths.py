"""Where things live: the shipped seed in the repository and the live store (REELPULSE_DATA_DIR)."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "data" / "seed"
DEFAULT_STORE_DIR = ROOT / "data" / "store"
DATA_DIR_VARIABLE = "REELPULSE_DATA_DIR"


def store_dir() -> Path:
    """The live store's folder: $REELPULSE_DATA_DIR, or data/store/ in the repository."""
    return Path(os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_STORE_DIR)
