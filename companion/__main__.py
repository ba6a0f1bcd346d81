"""Command line of the companion: ``python -m companion crosscheck [options]``."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    commands = ("crosscheck",)
    if not args or args[0] not in commands:
        print(
            f"usage: python -m companion {{{','.join(commands)}}} [options]\n"
            "  crosscheck  run the NumPy, Keras and PyTorch LSTMs on the same inputs and "
            "compare them (--help for options)",
            file=sys.stderr,
        )
        return 2
    from companion import crosscheck

    return crosscheck.main(args[1:])


if __name__ == "__main__":
    sys.exit(main())
