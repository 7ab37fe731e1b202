"""Generated case records for the benchmark and tests: invented text, no real people.

Deterministic (seeded) so the benchmark renders the same content at every size and in both pipelines.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from rights.bundles.bundle import BundleRecord, Redaction, Text, WithheldRecord

SERVICES = ("Children's social care", "Looked after children and care leavers", "Early help",
            "Special educational needs and disabilities (SEND)")
TITLES = ("Case note", "Home visit", "Strategy meeting minutes", "Looked after child review", "Email",
          "Assessment", "Placement plan", "School report")
_TEXT = ("the young person said they were settled at school and enjoyed football after lessons we discussed "
         "contact arrangements with family and the plan for the coming months the social worker visited the "
         "placement and spoke with the carers about routines health appointments and support at home")
WORDS = tuple(_TEXT.split())
CODES = ("TP", "SWHARM", "CRIME", "EXPECT")


def paragraph(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def records(pages: int, seed: int = 12) -> list[BundleRecord]:
    """About ``pages`` pages of records: 1 to 4 pages each, some with redactions."""
    return list(iter_records(pages, seed))


def iter_records(pages: int, seed: int = 12) -> Iterator[BundleRecord]:
    """The same records one at a time, as a caller streaming them to the bundle would pass them."""
    rng = random.Random(seed)
    day = date(2010, 1, 4)
    budget = pages
    i = 0
    while budget > 0:
        length = min(budget, rng.choice((1, 1, 2, 3, 4)))
        segments: list[Text | Redaction] = []
        for _ in range(length * 4):
            segments.append(Text(paragraph(rng, 75) + " "))
            if rng.random() < 0.3:
                segments.append(Redaction(rng.choice(CODES)))
                segments.append(Text(" " + paragraph(rng, 10) + "\n\n"))
            else:
                segments.append(Text("\n\n"))
        yield BundleRecord(key=f"rec-{i:05d}", service=SERVICES[i % len(SERVICES)], date=day,
                           title=f"{TITLES[i % len(TITLES)]} {i + 1}", segments=tuple(segments))
        day += timedelta(days=rng.randint(1, 5))
        budget -= length
        i += 1


def withheld(count: int = 3) -> list[WithheldRecord]:
    return [WithheldRecord(key=f"held-{i}", service=SERVICES[i % len(SERVICES)], date=date(2015, 3, 1 + i),
                           title=f"Court report {i + 1}", code="COURT") for i in range(count)]
