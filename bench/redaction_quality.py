"""Redaction quality on the labelled synthetic notes of ``rights.redaction.evalset``.

    .venv/bin/python bench/redaction_quality.py                # 2,000 notes
    .venv/bin/python bench/redaction_quality.py --notes 500 --show 20 --json

Per kind of identifier (the issue's targets in brackets):

- **TP listed recall**: mentions of third parties listed as involved whose every letter is redacted [100%];
- **TP recall**: the same over all third-party mentions, listed or not [>= 99.5%];
- **subject wrongly redacted**: the subject's own mentions that lose any character [<= 2%];
- **professional wrongly redacted**: the same for professionals acting in their role [<= 2%].

Also reported: redactions that touch no annotated third-party mention (ordinary words taken for names, a
kept mention's neighbour), per 100 notes. A title before a third party's surname ("Mrs Smith") need not
be inside the box for the mention to count as redacted; the name must.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from typing import Any

from rights.redaction import propose
from rights.redaction.evalset import Case, Mention, generate
from rights.redaction.model import Whose

_TITLE = re.compile(r"^(?:Mr|Mrs|Ms|Miss|Mx|Dr|PC)\.?\s+")


def _covered(case: Case, mention: Mention, boxes: list[tuple[int, int]]) -> bool:
    text = case.text[mention.start:mention.end]
    skip = _TITLE.match(text)
    start = mention.start + (skip.end() if skip else 0)
    for i in range(start, mention.end):
        if case.text[i].isalnum() and not any(s <= i < e for s, e in boxes):
            return False
    return True


def _touched(mention: Mention, boxes: list[tuple[int, int]]) -> bool:
    return any(s < mention.end and mention.start < e for s, e in boxes)


def evaluate(cases: list[Case], show: int = 0) -> dict[str, Any]:
    counts: Counter[tuple[str, str]] = Counter()
    stray = 0
    misses: list[str] = []
    for case in cases:
        boxes = [(p.start, p.end) for p in propose(case.text, case.context) if p.redact]
        tp_mentions = [m for m in case.mentions if m.whose is Whose.THIRD_PARTY]
        for box in boxes:
            if not any(box[0] < m.end and m.start < box[1] for m in tp_mentions):
                stray += 1
                if len(misses) < show:
                    misses.append(f"stray redaction: {case.text[box[0]:box[1]]!r}")
        for m in case.mentions:
            kind = m.kind.value
            if m.whose is Whose.THIRD_PARTY:
                ok = _covered(case, m, boxes)
                counts[(kind, "tp")] += 1
                counts[(kind, "tp_ok")] += ok
                if m.listed:
                    counts[(kind, "tp_listed")] += 1
                    counts[(kind, "tp_listed_ok")] += ok
                if not ok and len(misses) < show:
                    misses.append(f"missed {m.label}: {case.text[m.start:m.end]!r} in "
                                  f"...{case.text[max(0, m.start - 40):m.end + 20]!r}")
            else:
                who = "subject" if m.whose is Whose.SUBJECT else "pro"
                wrong = _touched(m, boxes)
                counts[(kind, who)] += 1
                counts[(kind, who + "_wrong")] += wrong
                if wrong and len(misses) < show:
                    misses.append(f"wrongly redacted {m.label}: {case.text[m.start:m.end]!r} in "
                                  f"...{case.text[max(0, m.start - 40):m.end + 20]!r}")
    kinds = sorted({k for k, _ in counts})
    rows = {}
    for kind in kinds:
        def share(num: str, den: str, kind: str = kind) -> float | None:
            return counts[(kind, num)] / counts[(kind, den)] if counts[(kind, den)] else None
        rows[kind] = {
            "tp_listed_recall": share("tp_listed_ok", "tp_listed"), "tp_listed_n": counts[(kind, "tp_listed")],
            "tp_recall": share("tp_ok", "tp"), "tp_n": counts[(kind, "tp")],
            "subject_wrong": share("subject_wrong", "subject"), "subject_n": counts[(kind, "subject")],
            "pro_wrong": share("pro_wrong", "pro"), "pro_n": counts[(kind, "pro")],
        }
    return {"notes": len(cases), "per_kind": rows, "stray_per_100_notes": 100 * stray / max(1, len(cases)),
            "examples": misses}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--show", type=int, default=0, help="print this many failures")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cases = generate(args.notes, args.seed)
    began = time.perf_counter()
    result = evaluate(cases, args.show)
    result["seconds"] = round(time.perf_counter() - began, 2)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['notes']} notes, {result['seconds']} s")
    print("| kind | TP listed recall (n) | TP recall (n) | subject wrongly redacted (n) | professional wrongly "
          "redacted (n) |")
    print("| --- | --- | --- | --- | --- |")
    for kind, r in result["per_kind"].items():
        print(f"| {kind} | {_pct(r['tp_listed_recall'])} ({r['tp_listed_n']}) | {_pct(r['tp_recall'])} ({r['tp_n']}) | "
              f"{_pct(r['subject_wrong'])} ({r['subject_n']}) | {_pct(r['pro_wrong'])} ({r['pro_n']}) |")
    print(f"redactions touching no third-party mention: {result['stray_per_100_notes']:.1f} per 100 notes")
    for line in result["examples"]:
        print(" ", line)


if __name__ == "__main__":
    main()
