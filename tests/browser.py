"""Debian's chromium for browser tests (never a downloaded browser)."""

from __future__ import annotations

from typing import Any

CHROMIUM = "/usr/bin/chromium"


def chromium(playwright: Any) -> Any:
    """Launch Debian's chromium headless, as CI and the brief require."""
    return playwright.chromium.launch(executable_path=CHROMIUM,
                                      args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
