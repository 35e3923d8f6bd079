"""atheris harness: the front-matter splitter, YAML loading and field checks (``check_front_matter``)."""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
with atheris.instrument_imports():
    from fuzz.targets import check_front_matter

if __name__ == "__main__":
    atheris.Setup(sys.argv, check_front_matter)
    atheris.Fuzz()
