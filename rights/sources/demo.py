"""The ``demo`` connector type: seeded, reproducible synthetic systems for the seven services.

Each :class:`DemoConnector` is one service's system over a shared synthetic county
(``rights.sources.demo_data``). It searches the way a worker's search screen does (identifier, date of
birth, surname with previous and double-barrelled forms), so look-alike children come back as candidates
and identity matching is really exercised; and it fetches a person's records with the people involved.

``demo_requests`` gives subjects as a request would describe them together with the ground truth (which
person ids in which systems really are them), for tests, the matching evaluation and the demo's seeded
requests (:func:`seed_demo_requests`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from random import Random
from typing import TYPE_CHECKING

from sqlalchemy import select

from rights import intake
from rights.models import Person, RequesterRole, RequestKind, RightsRequest
from rights.sources import demo_data
from rights.sources.base import Candidate, Identity, NotSearchable, SearchTerms, SourceRecord
from rights.sources.demo_data import SERVICE_BY_CODE, SERVICE_CODES, SERVICES, World, generate_world

if TYPE_CHECKING:
    from rights.runtime import Runtime

DEFAULT_SEED = 42
DEFAULT_FAMILIES = 300  # about 1,300 people: enough look-alikes to show, small enough to start instantly

__all__ = [
    "DEFAULT_FAMILIES",
    "DEFAULT_SEED",
    "SERVICES",
    "SERVICE_CODES",
    "DemoConnector",
    "DemoRequest",
    "demo_requests",
    "demo_sources",
    "seed_demo_requests",
]


class DemoConnector:
    """One synthetic service system. ``today`` only moves the CCTV window (default: the real today)."""

    def __init__(self, name: str, service: str, *, seed: int = DEFAULT_SEED, families: int = DEFAULT_FAMILIES,
                 today: date | None = None) -> None:
        if service not in SERVICE_BY_CODE:
            raise ValueError(f"unknown demo service {service!r}; one of {', '.join(SERVICE_CODES)}")
        self.name = name
        self.service = service
        self.seed = seed
        self.families = families
        self._today = today

    @property
    def world(self) -> World:
        return generate_world(self.seed, self.families)

    @property
    def today(self) -> date:
        return self._today or date.today()  # noqa: DTZ011 - the CCTV window follows the calendar, by design

    @property
    def label(self) -> str:
        return SERVICE_BY_CODE[self.service].label

    def find_candidates(self, terms: SearchTerms) -> list[Candidate]:
        subject = terms.identity
        if not (subject.family_name.strip() or subject.date_of_birth or subject.nhs_number or subject.upn):
            raise NotSearchable("the demo systems need a family name, date of birth, NHS number or UPN to search")
        return [
            Candidate(source=self.name, person_id=sp.person_id, identity=sp.identity,
                      extra={"service": self.service, "system": SERVICE_BY_CODE[self.service].system,
                             "records": sp.n_records})
            for sp in demo_data.find(self.world, self.service, subject)
        ]

    def fetch_records(self, candidate: Candidate, terms: SearchTerms) -> list[SourceRecord]:
        sp = self.world.sources[self.service].people.get(candidate.person_id)
        if sp is None:
            return []
        return demo_data.records_for(self.world, sp, self.name, self.today, terms.date_from, terms.date_to)

    def __repr__(self) -> str:
        return f"DemoConnector({self.name!r}, {self.service!r}, seed={self.seed}, families={self.families})"


def source_name(service: str) -> str:
    """The connector name the demo uses for a service: 'demo-childrens-social-care'."""
    return "demo-" + service.replace("_", "-")


def demo_sources(seed: int = DEFAULT_SEED, families: int = DEFAULT_FAMILIES,
                 today: date | None = None) -> list[DemoConnector]:
    """The seven services of the privacy notice as demo systems over one synthetic county."""
    return [DemoConnector(source_name(s.code), s.code, seed=seed, families=families, today=today) for s in SERVICES]


@dataclass(frozen=True)
class DemoRequest:
    """A subject as a request describes them, and who they really are in each demo system."""

    label: str  # why this subject is interesting: "nickname", "previous surname", "look-alike sibling", ...
    pid: str  # the resident behind it (ground truth)
    subject: Identity  # as written on the request
    person_ids: dict[str, tuple[str, ...]]  # connector name -> the person ids that really are the subject
    variations: tuple[str, ...] = ()  # how the request's description differs from the records
    requester: Identity | None = None  # the parent asking for a younger child, when there is one


def _truth(world: World, pid: str) -> dict[str, tuple[str, ...]]:
    return {source_name(code): ids for code, ids in world.truth(pid).items()}


def _known_everywhere(world: World, pid: str, minimum: int = 2) -> bool:
    return len(world.truth(pid)) >= minimum


def demo_requests(seed: int = DEFAULT_SEED, families: int = DEFAULT_FAMILIES, *, count: int | None = None,
                  featured: bool = True) -> list[DemoRequest]:
    """Subjects with ground truth.

    ``featured`` (the default) picks the showcase subjects the demo seeds: one known by a nickname, one
    with a previous surname, one with a look-alike sibling (a twin or close sibling in the same systems),
    one with a same-name look-alike in another family. Otherwise every child the systems hold, in order,
    each described with the usual variation (``count`` limits how many).
    """
    world = generate_world(seed, families)
    if featured:
        return _featured(world)
    out = []
    rng = Random(f"{seed}:requests")
    for child in world.children():
        if not world.truth(child.pid):
            continue
        subject, variations = demo_data.describe_on_request(world, child.pid, rng)
        out.append(DemoRequest("child", child.pid, subject, _truth(world, child.pid), variations))
        if count is not None and len(out) >= count:
            break
    return out


def _featured(world: World) -> list[DemoRequest]:
    """Showcase subjects, each known to several systems (most systems first, then by id: deterministic)."""
    pool = sorted((c for c in world.children() if _known_everywhere(world, c.pid) and not c.lookalike_of),
                  key=lambda c: (-len(world.truth(c.pid)), c.pid))
    chosen: list[DemoRequest] = []

    def take(label: str, test: Callable[[demo_data.Resident], bool],
             describe: Callable[[demo_data.Resident], Identity] = lambda r: _plain(r)) -> None:
        used = {d.pid for d in chosen}
        pick = next((c for c in pool if c.pid not in used and test(c)), None)
        if pick is not None:
            chosen.append(DemoRequest(label, pick.pid, describe(pick), _truth(world, pick.pid),
                                      requester=_parent(world, pick)))

    take("known by a nickname", lambda c: bool(c.known_as) and c.known_as != c.first,
         lambda c: _plain(c, given=c.known_as))
    take("previous surname (a system still holds the old one)", lambda c: _held_under_previous_name(world, c),
         lambda c: _plain(c, previous=c.previous_families))
    take("look-alike sibling in the same systems", lambda c: _lookalike_sibling(world, c))
    lookalike_targets = {c.lookalike_of for c in world.children()
                         if c.lookalike_kind == "same_name" and set(world.truth(c.pid)) - {"shared_care_record"}}
    take("another child with the same name", lambda c: c.pid in lookalike_targets)
    return chosen


def _held_under_previous_name(world: World, child: demo_data.Resident) -> bool:
    old = {demo_data.fold(p) for p in child.previous_families}
    return bool(old) and any(
        demo_data.fold(world.sources[code].people[pid].identity.family_name) in old
        for code, ids in world.truth(child.pid).items() for pid in ids
    )


def _lookalike_sibling(world: World, child: demo_data.Resident) -> bool:
    """A sibling with the same surname, born within two years, known to at least two of the same services."""
    hh = world.households[child.household]
    mine = set(world.truth(child.pid))
    for pid in hh.children:
        sib = world.residents[pid]
        if pid != child.pid and sib.family == child.family and abs((sib.dob - child.dob).days) < 730 \
                and len(mine & set(world.truth(pid))) >= 2:
            return True
    return False


def _plain(r: demo_data.Resident, given: str | None = None, previous: tuple[str, ...] = ()) -> Identity:
    """The resident as a careful requester writes them: legal name (or the one given), current address."""
    home = r.homes[-1]
    return Identity(given_names=given or " ".join(r.given), family_name=r.family, date_of_birth=r.dob,
                    previous_names=previous, addresses=(home.address(current=True),))


def _parent(world: World, child: demo_data.Resident) -> Identity | None:
    hh = world.households[child.household]
    mother = next((world.residents[p] for p in hh.adults if world.residents[p].role == "mother"), None)
    if mother is None:
        return None
    return Identity(given_names=mother.first, family_name=mother.family, date_of_birth=mother.dob,
                    addresses=(mother.homes[-1].address(current=True),))


# ---------------------------------------------------------------- seeding the demo database


def seed_demo_requests(rt: Runtime, *, seed: int = DEFAULT_SEED, families: int = DEFAULT_FAMILIES) -> int:
    """Log the featured demo subjects as access requests (via ``rights.intake.receive``); returns how many added.

    Idempotent: a subject (same name and date of birth) who already has an access request is skipped.
    The demo's source registry must use the same ``seed`` and ``families`` for the subjects to be found.
    """
    from rights.models import Person

    added = 0
    now = datetime.now(UTC)
    with rt.db.transaction() as session:
        for i, req in enumerate(demo_requests(seed, families)):
            s = req.subject
            exists = session.scalar(
                select(RightsRequest.id).join(Person, RightsRequest.subject_id == Person.id).where(
                    Person.given_names == s.given_names, Person.family_name == s.family_name,
                    Person.date_of_birth == s.date_of_birth, RightsRequest.kind == RequestKind.ACCESS.value,
                ).limit(1)
            )
            if exists is not None:
                continue
            subject = _person(s)
            age = _age(s.date_of_birth, now.date())
            parent = req.requester if age < 13 and req.requester else None
            requester = _person(parent) if parent else subject
            requester.email = _email(parent or s)
            intake.receive(session, intake.NewRequest(
                kind=RequestKind.ACCESS,
                channel="web" if i % 2 == 0 else "email",
                received_at=now - timedelta(days=3 + 4 * i),
                subject=subject,
                requester=requester,
                requester_role=(RequesterRole.PARENT if parent else RequesterRole.SELF_CHILD).value,
                details={"what": "All records held about me by Children's Services", "demo": req.label},
                extra={"child_age": age, "services": list(SERVICE_CODES)},
            ), actor="system")
            added += 1
    return added


def _person(identity: Identity) -> Person:
    return Person(
        given_names=identity.given_names, family_name=identity.family_name, date_of_birth=identity.date_of_birth,
        previous_names=list(identity.previous_names),
        addresses=[{"lines": list(a.lines), "postcode": a.postcode, "current": a.current} for a in identity.addresses],
        identifiers={k: v for k, v in (("nhs_number", identity.nhs_number), ("upn", identity.upn)) if v},
    )


def _email(identity: Identity) -> str:
    """A made-up address at example.org (reserved for examples, so nothing is ever delivered)."""
    def clean(text: str) -> str:
        return re.sub(r"[^a-z]", "", demo_data.strip_accents(text).lower())
    return f"{clean(identity.given_names.split()[0])}.{clean(identity.family_name)}@example.org"


def _age(dob: date | None, today: date) -> int:
    if dob is None:
        return 0
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
