"""Redaction speed: detection and policy over generated case notes, against Presidio, per core.

    .venv/bin/python bench/redaction_speed.py                   # 10,000 notes, both engines
    .venv/bin/python bench/redaction_speed.py --notes 2000 --json
    .venv/bin/python bench/redaction_speed.py --per-request 1   # every note a request of its own

Both engines run in this one process over the same notes, in alternating chunks, timed by the process's
CPU time: MB/s is per core whatever else the machine is doing.
The notes come in requests, as the product sees them: ``--per-request`` notes (25 by default) about one
family share one context, as :func:`rights.redaction.service.contexts` gives every record of a request
one :class:`~rights.redaction.RedactionContext`. Each engine prepares once per request what it would
in the product, and nothing else: ours indexes the listed people on the first note and keeps, for the
request, what it learns per word and per piece of evidence (which words can be names, the policy's
answers); Presidio builds its deny-list recogniser of those people's names. With ``--per-request 1``
every note is its own request and both engines prepare per note (the figures before requests were
modelled).
Rights Desk: :func:`rights.redaction.propose` (every detector and the policy). Presidio: AnalyzerEngine
over a blank spaCy English pipeline (the configuration that works with no model downloaded), with its
UK recognisers (NHS, NI number, postcode, vehicle registration), phone, email and IBAN, pattern
recognisers for what it lacks (dates of birth, bank details, UPNs, other systems' ids, street addresses)
and, per request, a deny-list recogniser of the names the involvement lists give (Presidio's way to add
per-request terms). Presidio has no policy: recall counts what it finds, over the same third-party
mentions as ``bench/redaction_quality.py``. Needs the ``bench`` extra (presidio-analyzer, spacy).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import time
from typing import Any

from redaction_quality import _covered  # same directory; run as a script

from rights.redaction import propose
from rights.redaction.evalset import Case, generate_requests
from rights.redaction.model import Whose


def _presidio() -> Any:
    import spacy
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        EmailRecognizer,
        IbanRecognizer,
        NhsRecognizer,
        PhoneRecognizer,
        UkNinoRecognizer,
        UkPostcodeRecognizer,
        UkVehicleRegistrationRecognizer,
    )

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    class BlankSpacy(SpacyNlpEngine):
        """spaCy's blank English pipeline: tokenisation only, no model to download."""

        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    engine = BlankSpacy()
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (EmailRecognizer(), IbanRecognizer(), NhsRecognizer(), PhoneRecognizer(supported_regions=("GB",)),
                       UkNinoRecognizer(), UkPostcodeRecognizer(), UkVehicleRegistrationRecognizer()):
        registry.add_recognizer(recognizer)
    month = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
    patterns = {
        "DATE_OF_BIRTH": [r"\b\d{1,2}(?:st|nd|rd|th)? " + month + r",? \d{4}\b", r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"],
        "BANK": [r"\b\d{2}-\d{2}-\d{2}\b", r"(?<![\d-])\d{8}(?![\d-])"],
        "UPN": [r"\b[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]\b"],
        "PERSON_ID": [r"\bLCS[ :#-]?\d{6,7}\b", r"\bCRN[ :#-]?[A-Z]\d{6}\b", r"\bPRN[ :#-]?[A-Z]\d{4}[A-Z]{2}\b"],
        "ADDRESS": [r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][\w'-]*\s+){1,3}(?:Road|Street|Avenue|Lane|Close|Drive|Way|"
                    r"Crescent|Court|Place|Gardens|Terrace|Grove|Walk|Square|Hill|Mews|Row|Park|View|Rise)\b"],
    }
    context = {"DATE_OF_BIRTH": ["born", "dob", "birth"], "BANK": ["sort", "account", "bank"]}
    for entity, regexes in patterns.items():
        registry.add_recognizer(PatternRecognizer(
            supported_entity=entity, patterns=[Pattern(entity.lower(), r, 0.6) for r in regexes],
            context=context.get(entity),
            global_regex_flags=re.M if entity in ("UPN", "PERSON_ID", "ADDRESS") else re.I | re.M))
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])

    def analyze(request: list[Case]) -> list[list[tuple[int, int]]]:
        """Every note of one request (one context): the deny list is the request's, built once."""
        context = request[0].context
        names = sorted({w for i in context.involved for w in i.name.split() if len(w) > 1}
                       | {context.subject.given_names, context.subject.family_name}
                       | {w for n in context.known_people for w in n.split()})
        listed = PatternRecognizer(supported_entity="PERSON", deny_list=names)
        return [[(r.start, r.end) for r in analyzer.analyze(case.text, language="en", ad_hoc_recognizers=[listed],
                                                             score_threshold=0.3)] for case in request]

    return analyze


def _recall(cases: list[Case], boxes: list[list[tuple[int, int]]]) -> dict[str, float]:
    tp = hit = listed = listed_hit = kept = kept_hit = 0
    for case, found in zip(cases, boxes, strict=True):
        for m in case.mentions:
            if m.whose is Whose.THIRD_PARTY:
                ok = _covered(case, m, found)
                tp += 1
                hit += ok
                listed += m.listed
                listed_hit += ok and m.listed
            else:
                kept += 1
                kept_hit += any(s < m.end and m.start < e for s, e in found)
    return {"tp_recall": hit / tp, "tp_listed_recall": listed_hit / listed, "kept_redacted": kept_hit / kept}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-request", type=int, default=25, help="notes per request (one context each)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    requests = generate_requests(args.notes, args.seed, args.per_request)
    cases = [case for request in requests for case in request]
    size = sum(len(c.text.encode()) for c in cases)
    results: dict[str, Any] = {"notes": len(cases), "per_request": args.per_request,
                               "megabytes": round(size / 1e6, 3)}

    analyze = _presidio()
    warm = generate_requests(1, args.seed + 1, 1)[0]  # a note of another family: no request's work done early
    analyze(warm)  # Presidio builds its recognisers lazily: not counted
    propose(warm[0].text, warm[0].context)  # nor are ours: the bundled name lists load on first use
    ours: list[list[tuple[int, int]]] = []
    theirs: list[list[tuple[int, int]]] = []
    spent = {"rights_desk": 0.0, "presidio": 0.0}
    # CPU time of this process (per core, whatever else the machine runs), in alternating chunks of
    # whole requests (about 250 notes) so that both engines meet the same cache and frequency conditions.
    step = max(1, 250 // args.per_request)
    for at in range(0, len(requests), step):
        chunk = requests[at:at + step]
        began = time.process_time()
        ours.extend([(p.start, p.end) for p in propose(c.text, c.context) if p.redact] for r in chunk for c in r)
        spent["rights_desk"] += time.process_time() - began
        began = time.process_time()
        theirs.extend(found for r in chunk for found in analyze(r))
        spent["presidio"] += time.process_time() - began
    for name, found in (("rights_desk", ours), ("presidio", theirs)):
        seconds = spent[name]
        results[name] = {"cpu_seconds": round(seconds, 2), "mb_per_s": round(size / 1e6 / seconds, 3),
                         **{k: round(v, 5) for k, v in _recall(cases, found).items()}}
    results["speedup"] = round(results["rights_desk"]["mb_per_s"] / results["presidio"]["mb_per_s"], 1)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{results['notes']} notes in requests of {results['per_request']}, {results['megabytes']} MB, one core")
    print("| engine | CPU seconds | MB/s per core | TP recall | TP listed recall "
          "| subject/professional mentions touched |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in ("rights_desk", "presidio"):
        r = results[name]
        print(f"| {name} | {r['cpu_seconds']} | {r['mb_per_s']} | {100 * r['tp_recall']:.2f}% | "
              f"{100 * r['tp_listed_recall']:.2f}% | {100 * r['kept_redacted']:.2f}% |")
    print(f"speed-up: {results['speedup']}x")


if __name__ == "__main__":
    main()
