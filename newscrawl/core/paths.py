"""Where the project lives: the checkout's root, the one home of the path every module used to compute itself."""

from __future__ import annotations

from pathlib import Path

# newscrawl/core/paths.py -> the checkout (Makefile, scrapy.cfg, output/, tests/).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
