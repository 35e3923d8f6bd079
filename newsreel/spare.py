"""``python -m newsreel.spare SPARE OUTPUT``: make the spare generation of a build that replaced
none (``writer.link_spare``), in a process of its own (``OutputWriter._seed_spare`` starts it,
so it shares none of the build's memory). Exit status 0 when the spare was made."""

from __future__ import annotations

import sys
from pathlib import Path

from newsreel.writer import link_spare


def main(argv: list[str]) -> int:
    """Make the spare; 0 when made, 1 when not (the next build links the files itself), 2 for
    wrong usage."""
    if len(argv) != 2:
        return 2
    spare, output = argv
    return 0 if link_spare(Path(spare), Path(output)) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
