"""atheris harness: Markdown with the tweet embed rule and safe links (``check_markdown``)."""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
with atheris.instrument_imports():
    from fuzz.targets import check_markdown

if __name__ == "__main__":
    atheris.Setup(sys.argv, check_markdown)
    atheris.Fuzz()
