"""The one exception the letters package raises for anything a caller can act on."""

from __future__ import annotations


class LetterError(Exception):
    """A letter could not be rendered, issued or verified; the message says why (Chinese for users)."""
