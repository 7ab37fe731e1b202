"""``python -m rights.sources.extract_worker SUFFIX LIMITS_JSON [inspect]``: parse one document, bytes on stdin.

Why a process of its own: a parser that blows up on a hostile file (memory, time, a C extension's crash)
must take down this short-lived process, not the web request or the RQ worker that asked. The process
caps its own address space and CPU time before reading a byte; the caller adds a wall-clock timeout.
It writes one JSON object to stdout: ``{"text": ..., "meta": {...}}`` or ``{"refused": "reason"}``; with
``inspect`` (a PDF upload) ``{"active": [kinds of active content]}`` and nothing is extracted.
"""

from __future__ import annotations

import json
import sys


def limit_resources(memory_mb: int, seconds: int) -> None:
    """Cap this process's address space and CPU time (also the scan rasteriser's, before it execs)."""
    try:
        import resource
    except ImportError:  # not POSIX: the caller's wall-clock timeout still applies
        return
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def main(argv: list[str]) -> int:
    suffix, limits_json = argv[1], argv[2]
    from rights.sources.document_limits import DocumentLimits, DocumentRefused, cap_text

    limits = DocumentLimits(**json.loads(limits_json))
    limit_resources(limits.memory_mb, limits.timeout_seconds)
    from rights.sources import documents

    data = sys.stdin.buffer.read()
    if argv[3:] == ["inspect"]:  # only look for active content (uploads), read nothing else
        try:
            sys.stdout.write(json.dumps({"active": documents.pdf_active_content(data)}))
        except DocumentRefused as exc:
            sys.stdout.write(json.dumps({"refused": exc.reason}))
        return 0
    try:
        text, meta = documents.parse(suffix, data, limits)
        text = cap_text(text, meta, limits)
        out: dict[str, object] = {"text": text, "meta": meta}
    except DocumentRefused as exc:
        out = {"refused": exc.reason}
    except MemoryError:
        out = {"refused": "reading it needs more memory than a document may use"}
    sys.stdout.write(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
