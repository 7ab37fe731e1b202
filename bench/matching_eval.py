"""Identity matching evaluated on the demo generator's synthetic county.

    .venv/bin/python bench/matching_eval.py                 # 2,000 families (about 4,500 child subjects)
    .venv/bin/python bench/matching_eval.py --families 200 --json

Every child the demo systems hold becomes a subject, described as a request would describe them (legal
or known-as name, previous surnames or not, NHS number or not, sometimes a mistyped date of birth or a
sibling's NHS number: see ``rights.demo.world.NOISE``). Each of the seven demo connectors is
searched with ``find_candidates`` and every candidate is scored by ``rights.matching.match``. The ground
truth says which candidates really are the subject.

Figures (the targets in brackets):

- **look-alike records accepted**: records of any person other than the subject (look-alike, sibling,
  twin, parent, stranger) that were accepted automatically [0];
- **auto recall**: the subject's own records whose person record was accepted automatically, over all the
  subject's records in all seven systems (including person records the search never returned) [>= 99%];
- **recall after review**: the same, counting also records of person records sent to officer review (an
  officer settling them correctly);
- **review share** (primary): the subject's own person records sent to officer review, over all the
  subject's person records [<= 5%]; also reported: all review items (the subject's and other people's)
  per subject person record, and the share of subjects needing any officer decision.

Then the council-variants evaluation (``bench/council_variants.py``, built apart from the demo county):
per way a system holds the subject, records accepted automatically, sent to review, missed, and the
share accepted of those some system corroborates [>= 95%]; per kind of look-alike, records accepted
automatically [0]; and the run time of the resolution pass over the seven systems' candidates. Both
evaluations score through :func:`rights.matching.resolve`, the function the search jobs call.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the repository root for bench.*

from bench.council_variants import generate
from rights.demo.connector import demo_sources
from rights.demo.requests import demo_requests
from rights.demo.world import NOISE, World, generate_world
from rights.matching import MatchResult, Outcome, guard_ambiguity, match, resolve
from rights.sources.base import Candidate, SearchTerms


@dataclass
class Tally:
    """Outcomes for one way of matching (each candidate alone, or resolved across sources)."""

    true_accepted: int = 0
    true_review: int = 0
    true_rejected: int = 0
    true_records_accepted: int = 0
    true_records_review: int = 0
    other_accepted: int = 0
    other_records_accepted: int = 0
    other_review: int = 0
    other_rejected: int = 0
    subjects_needing_review: int = 0
    other_accepted_by_relation: Counter[str] = field(default_factory=Counter)
    other_review_by_relation: Counter[str] = field(default_factory=Counter)
    not_accepted_reasons: Counter[str] = field(default_factory=Counter)
    false_accepts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Evaluation:
    seed: int
    families: int
    subjects: int = 0
    people_in_sources: int = 0
    records_in_sources: int = 0
    candidates: int = 0
    true_person_records: int = 0
    true_not_returned: int = 0
    true_records: int = 0
    other_candidates_by_relation: Counter[str] = field(default_factory=Counter)
    single: Tally = field(default_factory=Tally)
    resolved: Tally = field(default_factory=Tally)
    seconds: float = 0.0

    def figures(self, tally: Tally) -> dict[str, float | int]:
        t, n = tally, self.true_person_records or 1
        records = self.true_records or 1
        return {
            "other_records_accepted": t.other_records_accepted,
            "other_person_records_accepted": t.other_accepted,
            "auto_recall": t.true_records_accepted / records,
            "recall_after_review": (t.true_records_accepted + t.true_records_review) / records,
            "review_share": t.true_review / n,
            "review_items_per_true_record": (t.true_review + t.other_review) / n,
            "subjects_review_share": t.subjects_needing_review / (self.subjects or 1),
        }

    def summary(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:  # asdict() would rebuild a Counter from (key, value) pairs
            if isinstance(value, Tally):
                return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__}
            return dict(value) if isinstance(value, Counter) else value

        out = {k: plain(getattr(self, k)) for k in self.__dataclass_fields__}
        out["figures"] = {"single_pass": self.figures(self.single), "resolved": self.figures(self.resolved)}
        out["noise"] = asdict(NOISE)
        return out


def _relation(world: World, subject_pid: str, other_pid: str) -> str:
    """How a wrongly returned candidate relates to the subject (for the report)."""
    s, o = world.residents[subject_pid], world.residents[other_pid]
    if o.household == s.household:
        if o.role == "child":
            return "twin" if o.dob == s.dob else "sibling"
        return "parent or carer"
    if o.lookalike_of == s.pid or s.lookalike_of == o.pid or (o.lookalike_of and o.lookalike_of == s.lookalike_of):
        kind = o.lookalike_kind if o.lookalike_of == s.pid else (s.lookalike_kind or o.lookalike_kind)
        return f"look-alike ({kind})"
    if o.role != "child":
        return "adult, other family"
    return "child, other family"


def _tally(t: Tally, world: World, subject_pid: str, cand: Candidate, result: MatchResult, is_true: bool,
           n_records: int, other_records: int, relation: str) -> None:
    if is_true:
        if result.outcome is Outcome.ACCEPT:
            t.true_accepted += 1
            t.true_records_accepted += n_records
            return
        levels = ", ".join(f"{f}={lv}" for f, lv in result.levels
                           if lv not in ("exact", "identifier equal", "shared address", "missing"))
        t.not_accepted_reasons[f"{result.outcome}: {levels or 'weight'}"] += 1
        if result.outcome is Outcome.REVIEW:
            t.true_review += 1
            t.true_records_review += n_records
        else:
            t.true_rejected += 1
        return
    if result.outcome is Outcome.ACCEPT:
        t.other_accepted += 1
        t.other_accepted_by_relation[relation] += 1
        t.other_records_accepted += other_records
        if len(t.false_accepts) < 20:
            t.false_accepts.append({"source": cand.source, "subject": subject_pid, "candidate": cand.person_id,
                                    "relation": relation, "explanation": list(result.explanation)})
    elif result.outcome is Outcome.REVIEW:
        t.other_review += 1
        t.other_review_by_relation[relation] += 1
    else:
        t.other_rejected += 1


def _guarded_per_source(pairs: list[tuple[Candidate, MatchResult]]) -> list[tuple[Candidate, MatchResult]]:
    """As the search does: two automatic accepts in one source both go to review."""
    out = list(pairs)
    for source in {c.source for c, _ in pairs}:
        idx = [i for i, (c, _) in enumerate(pairs) if c.source == source]
        for i, result in zip(idx, guard_ambiguity([pairs[i][1] for i in idx]), strict=True):
            out[i] = (pairs[i][0], result)
    return out


def evaluate(seed: int = 42, families: int = 2000, today: date = date(2026, 2, 14),
             limit: int | None = None) -> Evaluation:
    """Search and match every child subject; tally each candidate alone and resolved across sources."""
    started = time.perf_counter()
    world = generate_world(seed, families)
    connectors = {c.name: c for c in demo_sources(seed, families, today=today)}
    ev = Evaluation(seed=seed, families=families)
    ev.people_in_sources = sum(len(s.people) for s in world.sources.values())
    ev.records_in_sources = sum(sp.n_records for s in world.sources.values() for sp in s.people.values())

    for req in demo_requests(seed, families, featured=False, count=limit):
        ev.subjects += 1
        terms = SearchTerms(identity=req.subject)
        found: list[Candidate] = []
        for name, connector in connectors.items():
            truth = set(req.person_ids.get(name, ()))
            returned = connector.find_candidates(terms)
            found += returned
            for missed in truth - {c.person_id for c in returned}:
                ev.true_not_returned += 1
                sp = world.sources[connector.service].people[missed]
                ev.true_records += len(connector.fetch_records(Candidate(name, missed, sp.identity), terms))
                for t in (ev.single, ev.resolved):
                    t.not_accepted_reasons["not returned by the search"] += 1
            ev.true_person_records += len(truth)
        ev.candidates += len(found)
        single = _guarded_per_source([(c, match(req.subject, c)) for c in found])
        resolved = _guarded_per_source(resolve(req.subject, found))
        for cand, one, both in zip(found, (r for _, r in single), (r for _, r in resolved), strict=True):
            connector = connectors[cand.source]
            is_true = cand.person_id in req.person_ids.get(cand.source, ())
            n_records = len(connector.fetch_records(cand, terms)) if is_true else 0
            relation = "" if is_true else _relation(
                world, req.pid, world.sources[connector.service].people[cand.person_id].pid)
            if not is_true:
                ev.other_candidates_by_relation[relation] += 1
            else:
                ev.true_records += n_records
            other_records = 0
            if not is_true and Outcome.ACCEPT in (one.outcome, both.outcome):
                other_records = len(connector.fetch_records(cand, terms))
            _tally(ev.single, world, req.pid, cand, one, is_true, n_records, other_records, relation)
            _tally(ev.resolved, world, req.pid, cand, both, is_true, n_records, other_records, relation)
        ev.single.subjects_needing_review += any(r.outcome is Outcome.REVIEW for _, r in single)
        ev.resolved.subjects_needing_review += any(r.outcome is Outcome.REVIEW for _, r in resolved)
    ev.seconds = time.perf_counter() - started
    return ev


def _report(ev: Evaluation) -> str:
    def pct(x: float) -> str:
        return f"{100 * x:.2f}%"

    lines = [
        f"matching evaluation: seed {ev.seed}, {ev.families} families, {ev.subjects} child subjects; the 7 systems "
        f"hold {ev.people_in_sources} person records and ~{ev.records_in_sources} records ({ev.seconds:.1f} s)",
        f"candidates scored: {ev.candidates}; the subjects' own person records: {ev.true_person_records} "
        f"holding {ev.true_records} records ({ev.true_not_returned} never returned by a search)",
        "other people returned as candidates: "
        + ", ".join(f"{k} {v}" for k, v in sorted(ev.other_candidates_by_relation.items())),
    ]
    for title, t in (("each candidate alone (match)", ev.single),
                     ("resolved across sources (resolve: learnt NHS number / UPN, second pass)", ev.resolved)):
        f = ev.figures(t)
        lines += [
            "",
            f"== {title}",
            f"other people's records accepted automatically: {f['other_records_accepted']} "
            f"({f['other_person_records_accepted']} person records)   [target 0]",
            f"auto recall (records):          {pct(f['auto_recall'])}   [target >= 99%]",
            f"recall after officer review:    {pct(f['recall_after_review'])}",
            f"review share (own person records sent to review / own person records): {pct(f['review_share'])} "
            f"({t.true_review}/{ev.true_person_records})   [target <= 5%]",
            f"all review items (own and other people's) per own person record: "
            f"{pct(f['review_items_per_true_record'])} ({t.true_review + t.other_review})",
            f"subjects needing any officer decision: {pct(f['subjects_review_share'])} "
            f"({t.subjects_needing_review}/{ev.subjects})",
            f"own person records: accepted {t.true_accepted}, review {t.true_review}, rejected {t.true_rejected}",
            "other people sent to review: " + (", ".join(f"{k} {v}" for k, v in
                                                          sorted(t.other_review_by_relation.items())) or "none"),
            "other people accepted: " + (", ".join(f"{k} {v}" for k, v in
                                                   sorted(t.other_accepted_by_relation.items())) or "none"),
            "why the subjects' own person records were not accepted (top 12):",
            *[f"  {n:5d}  {reason}" for reason, n in t.not_accepted_reasons.most_common(12)],
        ]
    return "\n".join(lines)


# ---------------------------------------------------------------- the subject stored the ways councils do

BASE_ACCEPTABLE = frozenset({"exact", "nickname", "no NHS number", "moved address"})


@dataclass
class VariantTally:
    records: int = 0
    accepted: int = 0
    review: int = 0
    missed: int = 0
    corroborated: int = 0
    corroborated_accepted: int = 0
    accepted_alone: int = 0  # accepted by each source's match alone, without resolution (for comparison)
    reasons: Counter[str] = field(default_factory=Counter)


@dataclass
class VariantEvaluation:
    seed: int
    subjects: int
    own: dict[str, VariantTally] = field(default_factory=dict)
    lookalike: dict[str, VariantTally] = field(default_factory=dict)
    false_accepts: list[dict[str, Any]] = field(default_factory=list)
    resolve_seconds: list[float] = field(default_factory=list)
    candidates_per_case: list[int] = field(default_factory=list)

    def totals(self, which: str) -> VariantTally:
        out = VariantTally()
        for t in getattr(self, which).values():
            for name in ("records", "accepted", "review", "missed", "corroborated", "corroborated_accepted",
                         "accepted_alone"):
                setattr(out, name, getattr(out, name) + getattr(t, name))
        return out


def _corroborated(case: Any, held: Any) -> bool:
    """Whether the request or another system's record of the subject holds evidence that settles this one.

    "Another system's record" counts only when the matcher accepts it on its own (exact, nickname, no NHS
    number, moved address): evidence must come from an accepted record. The link is the NHS number, the
    case system's id cross-referenced, or (for a surname the request does not give) a record that lists
    it as the subject's previous surname.
    """
    if held.variant in BASE_ACCEPTABLE:
        return True
    ident = held.candidate.identity
    anchors = [h for h in case.records if h.subject and h.variant in BASE_ACCEPTABLE
               and h.candidate.source != held.candidate.source]
    if ident.nhs_number and (case.request.nhs_number or any(h.candidate.identity.nhs_number for h in anchors)):
        return True
    if any(h.candidate.source == s and h.candidate.person_id == v for s, v in ident.other_ids for h in anchors):
        return True
    if held.variant == "previous surname without NHS":
        linked = {*case.request.previous_names, *(p for h in anchors for p in h.candidate.identity.previous_names)}
        return ident.family_name in linked
    return False


def evaluate_variants(seed: int = 7, subjects: int = 3000) -> VariantEvaluation:
    """Search each generated case as the connectors do (production blocking), resolve it the production way."""
    from rights.sources.blocking import BlockingKeys, plausible

    ev = VariantEvaluation(seed=seed, subjects=subjects)
    for case in generate(seed, subjects):
        keys = BlockingKeys.of(case.request)
        returned = [h for h in case.records if plausible(keys, h.candidate.identity)]
        started = time.perf_counter()
        results = resolve(case.request, [h.candidate for h in returned])
        ev.resolve_seconds.append(time.perf_counter() - started)
        ev.candidates_per_case.append(len(returned))
        outcome = {id(h): r for h, (_, r) in zip(returned, results, strict=True)}
        alone = _guarded_per_source([(h.candidate, match(case.request, h.candidate)) for h in returned])
        accepted_alone = {id(h) for h, (_, r) in zip(returned, alone, strict=True) if r.outcome is Outcome.ACCEPT}
        for held in case.records:
            table = ev.own if held.subject else ev.lookalike
            t = table.setdefault(held.variant, VariantTally())
            t.records += 1
            t.accepted_alone += id(held) in accepted_alone
            result = outcome.get(id(held))
            corroborated = held.subject and _corroborated(case, held)
            t.corroborated += corroborated
            if result is not None and result.outcome is Outcome.ACCEPT:
                t.accepted += 1
                t.corroborated_accepted += corroborated
                if not held.subject and len(ev.false_accepts) < 10:
                    ev.false_accepts.append({"kind": held.variant, "record": held.candidate.person_id,
                                             "explanation": list(result.explanation)})
            elif result is not None and result.outcome is Outcome.REVIEW:
                t.review += 1
            else:
                t.missed += 1
            if held.subject and (result is None or result.outcome is not Outcome.ACCEPT):
                why = "not returned by the search" if result is None else result.explanation[-1]
                t.reasons[("corroborated: " if corroborated else "") + _reason(why)] += 1
    return ev


def _reason(line: str) -> str:
    """An explanation's last line without the values in it, so reasons group."""
    for marker in ("(record ", " (+", " (-", ": social", "carry different"):
        line = line.split(marker)[0]
    return line[:150]


def _variants_report(ev: VariantEvaluation) -> str:
    def row(name: str, t: VariantTally, own: bool) -> str:
        if own:
            share = f"{100 * t.corroborated_accepted / t.corroborated:.1f}%" if t.corroborated else "-"
            return (f"  {name:30s} {t.records:6d} {t.accepted:8d} {t.review:7d} {t.missed:7d} "
                    f"{t.corroborated:8d} {share:>8s} {t.accepted_alone:7d}")
        return f"  {name:30s} {t.records:6d} {t.accepted:8d} {t.review:7d} {t.missed:9d} {t.accepted_alone:7d}"

    times = sorted(ev.resolve_seconds)
    p95 = times[int(0.95 * (len(times) - 1))] if times else 0.0
    lines = [f"council storage variants: seed {ev.seed}, {ev.subjects} subjects, 7 systems each "
             "(bench/council_variants.py for the rates)",
             "the subject's own records (accepted = automatically; corroborated = some system or the request "
             "holds evidence that settles it; alone = accepted by each source's match without resolution):",
             f"  {'variant':30s} {'records':>6s} {'accepted':>8s} {'review':>7s} {'missed':>7s} "
             f"{'corrob.':>8s} {'auto/cor':>8s} {'alone':>7s}"]
    lines += [row(k, v, True) for k, v in ev.own.items()]
    lines.append(row("total", ev.totals("own"), True))
    lines += ["look-alike records (accepted = accepted automatically, target 0):",
              f"  {'kind':30s} {'records':>6s} {'accepted':>8s} {'review':>7s} {'rejected':>9s} {'alone':>7s}"]
    lines += [row(k, v, False) for k, v in ev.lookalike.items()]
    lines.append(row("total", ev.totals("lookalike"), False))
    lines.append(f"resolution pass (resolve over every candidate of the 7 systems): mean "
                 f"{1000 * sum(times) / max(len(times), 1):.2f} ms, p95 {1000 * p95:.2f} ms, max "
                 f"{1000 * (times[-1] if times else 0):.2f} ms; candidates per request: mean "
                 f"{sum(ev.candidates_per_case) / max(len(ev.candidates_per_case), 1):.1f}, max "
                 f"{max(ev.candidates_per_case, default=0)}")
    lines.append("why the subject's own records were not accepted automatically (top 15):")
    reasons: Counter[str] = Counter()
    for name, t in ev.own.items():
        for reason, n in t.reasons.items():
            reasons[f"{name}: {reason}"] += n
    lines += [f"  {n:5d}  {r}" for r, n in reasons.most_common(15)]
    if ev.false_accepts:
        lines.append(f"LOOK-ALIKES ACCEPTED: {json.dumps(ev.false_accepts[:3], indent=1)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 2, 14))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--variants", type=int, default=3000, help="subjects in the council-variants evaluation")
    parser.add_argument("--variants-only", action="store_true", help="skip the demo-county evaluation")
    args = parser.parse_args()
    if not args.variants_only:
        ev = evaluate(args.seed, args.families, args.today)
        print(json.dumps(ev.summary(), indent=2, default=str) if args.json else _report(ev))
        print()
    if args.variants:
        print(_variants_report(evaluate_variants(args.seed, args.variants)))


if __name__ == "__main__":
    main()
