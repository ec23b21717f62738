"""Where the project lives on disk: the checkout root that relative paths in config start from."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
