"""Where things live and which database to use; everything comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BPMN_DIR = ROOT / "bpmn"


def var_dir() -> Path:
    """The project's writable folder (`var/`, or `BEIAN_VAR`)."""
    path = Path(os.environ.get("BEIAN_VAR", ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """`BEIAN_DATABASE_URL`, or the embedded SQLite file under `var/`."""
    url = os.environ.get("BEIAN_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{var_dir() / 'beian.db'}"


def demo_mode() -> bool:
    """Demo mode allows moving the persisted clock from the board."""
    return os.environ.get("BEIAN_DEMO", "1") == "1"
