"""``python -m rights.redaction.raster_worker MEMORY_MB SECONDS -- PDFTOPPM_ARGS...``: pdftoppm under limits.

Why a process of its own, set up this way: a hostile PDF must exhaust only a short-lived process, so the
address space and CPU time are capped before poppler reads a byte. The limits are set here and then this
process becomes pdftoppm (``exec`` keeps them), instead of a ``preexec_fn``, which is unsafe in the
threaded web server and worker that call it.
"""

from __future__ import annotations

import os
import sys

from rights.sources.extract_worker import limit_resources


def main(argv: list[str]) -> int:
    memory_mb, seconds = int(argv[1]), int(argv[2])
    if argv[3] != "--":
        raise SystemExit("usage: raster_worker MEMORY_MB SECONDS -- PDFTOPPM_ARGS...")
    limit_resources(memory_mb, seconds)
    try:
        os.execvp("pdftoppm", ["pdftoppm", *argv[4:]])  # noqa: S606, S607 - fixed program found on PATH
    except FileNotFoundError:
        sys.stderr.write("pdftoppm is not installed (Debian package poppler-utils)\n")
    return MISSING


#: The exit status when pdftoppm is not installed (as a shell gives for a command not found).
MISSING = 127


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
