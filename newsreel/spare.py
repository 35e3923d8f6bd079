"""``python -m newsreel.spare PARENT SPARE OUTPUT``: make the spare generation of a build that
replaced none (``writer.link_spare``) in a process of its own, which shares none of the build's
memory (``OutputWriter._seed_spare`` starts it; ``PARENT`` is the build's pid, whose death ends
this process). Exit status 0 when the spare was made."""

from __future__ import annotations

import sys
from pathlib import Path

from newsreel.children import die_with_parent
from newsreel.writer import link_spare


def main(argv: list[str]) -> int:
    """Make the spare; 0 when made, 1 when not (the next build links the files itself), 2 for
    wrong usage."""
    if len(argv) != 3 or not argv[0].isdigit():
        return 2
    parent, spare, output = argv
    die_with_parent(int(parent))
    return 0 if link_spare(Path(spare), Path(output)) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
