"""Command line of the companion: ``python -m companion crosscheck [options]``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

COMMANDS = {
    "crosscheck": "run a model's NumPy, Keras and PyTorch backends on the same inputs and "
    "compare them (crosscheck --help for its options)",
}

USAGE = f"usage: python -m companion {{{','.join(COMMANDS)}}} [options]\n" + "".join(
    f"  {name}  {summary}\n" for name, summary in COMMANDS.items()
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; ``--help`` prints the usage and exits 0, no or an unknown command
    prints it to stderr and exits 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-h"], ["--help"]):
        print(USAGE, end="")
        return 0
    if not args or args[0] not in COMMANDS:
        print(USAGE, end="", file=sys.stderr)
        return 2
    from companion import crosscheck

    return crosscheck.main(args[1:])


if __name__ == "__main__":
    sys.exit(main())
