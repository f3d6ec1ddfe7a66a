"""The command's entry point: the ``troubleshooter`` script and ``python -m troubleshooter``."""

from __future__ import annotations

import gc

# Python's default first threshold (700 allocations) runs ~190 young-generation collections in
# a run, 150 of them while the libraries load, whose objects all live to the end: ~50 ms of CPU
# for nothing (issue 12). A larger one keeps the collector on for real garbage, at a few MB.
GC_THRESHOLD = 100_000


def main() -> None:
    """Run the command line (set before any library loads, hence here, not in the CLI)."""
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    from troubleshooter.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
