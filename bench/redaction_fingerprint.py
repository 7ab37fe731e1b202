"""A fingerprint of every proposal over the redaction benchmarks' notes: speed-ups must leave it unchanged.

    .venv/bin/python bench/redaction_fingerprint.py            # one line per set: name, notes, proposals, sha256
    .venv/bin/python bench/redaction_fingerprint.py --dump DIR # also each set's proposals, one note a line

Why: a change made for speed must propose the same boxes, codes, keys and reasons to the character.
Run it before and after and compare the lines (``--dump`` then ``diff`` shows which notes differ). The
sets are the quality bench's notes (each its own request), the speed bench's (requests of 25, 5 and 1),
and the same notes altered the ways real text differs from the generator's (all lower case, all capitals,
curly apostrophes, accented letters, words glued by punctuation) so that rules the generated wording
rarely reaches are compared too.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from collections.abc import Callable, Iterator
from pathlib import Path

from rights.redaction import propose
from rights.redaction.evalset import Case, generate, generate_requests


def _altered(requests: list[list[Case]], seed: int) -> list[list[tuple[str, Case]]]:
    """The notes again, each altered one way (same contexts, so requests keep their shared context)."""
    rng = random.Random(seed)
    swaps = {"a": "á", "e": "é", "o": "ö", "n": "ñ", "'": "’", " ": "  ", ".": ",", "s": "ś"}

    def sprinkle(text: str) -> str:
        return "".join(swaps[c] if c in swaps and rng.random() < 0.05 else c for c in text)

    ways: tuple[Callable[[str], str], ...] = (
        str.lower, str.upper, str.title, sprinkle,
        lambda t: t.replace(" ", "\n", 3).replace(", ", ",").replace(". ", "."),
    )
    return [[(ways[(i + j) % len(ways)](case.text), case) for j, case in enumerate(request)]
            for i, request in enumerate(requests)]


def _sets(notes: int) -> Iterator[tuple[str, list[list[tuple[str, Case]]]]]:
    yield "quality", [[(c.text, c)] for c in generate(notes, 11)]
    for per_request, count in ((25, notes), (5, notes * 3 // 10), (1, notes * 3 // 10)):
        yield f"speed/{per_request}", [[(c.text, c) for c in r] for r in generate_requests(count, 7, per_request)]
    yield "altered/25", _altered(generate_requests(notes * 3 // 10, 13, 25), 13)
    yield "altered/1", _altered(generate_requests(notes * 3 // 10, 17, 1), 17)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    for name, requests in _sets(args.notes):
        digest = hashlib.sha256()
        lines: list[str] = []
        count = 0
        for request in requests:
            for text, case in request:
                proposals = propose(text, case.context)
                line = repr([(p.start, p.end, p.kind.name, p.key, p.whose.name, p.redact, p.code, p.reason)
                             for p in proposals])
                digest.update(line.encode() + b"\n")
                count += len(proposals)
                if args.dump:
                    lines.append(line)
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            (args.dump / (name.replace("/", "_") + ".txt")).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{name}\t{sum(map(len, requests))} notes\t{count} proposals\t{digest.hexdigest()}", flush=True)


if __name__ == "__main__":
    main()
