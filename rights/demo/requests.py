"""Demo requests: subjects as a request would describe them, with the ground truth (which person ids in
which systems really are them), for tests, the matching evaluation and the demo's seeded requests
(:func:`seed_demo_requests`, which logs them through intake like any request).
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
from rights.demo import world as synthetic
from rights.demo.connector import DEFAULT_FAMILIES, DEFAULT_SEED, source_name
from rights.demo.world import SERVICE_CODES, World, generate_world
from rights.models import Person, RequesterRole, RequestKind, RightsRequest
from rights.models.people_index import match_keys
from rights.sources.base import Identity

if TYPE_CHECKING:
    from rights.runtime import Runtime


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
        subject, variations = synthetic.describe_on_request(world, child.pid, rng)
        out.append(DemoRequest("child", child.pid, subject, _truth(world, child.pid), variations))
        if count is not None and len(out) >= count:
            break
    return out


def _featured(world: World) -> list[DemoRequest]:
    """Showcase subjects, each known to several systems (most systems first, then by id: deterministic)."""
    pool = sorted((c for c in world.children() if _known_everywhere(world, c.pid) and not c.lookalike_of),
                  key=lambda c: (-len(world.truth(c.pid)), c.pid))
    chosen: list[DemoRequest] = []

    def take(label: str, test: Callable[[synthetic.Resident], bool],
             describe: Callable[[synthetic.Resident], Identity] = lambda r: _plain(r)) -> None:
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


def _held_under_previous_name(world: World, child: synthetic.Resident) -> bool:
    old = {synthetic.fold(p) for p in child.previous_families}
    return bool(old) and any(
        synthetic.fold(world.sources[code].people[pid].identity.family_name) in old
        for code, ids in world.truth(child.pid).items() for pid in ids
    )


def _lookalike_sibling(world: World, child: synthetic.Resident) -> bool:
    """A sibling with the same surname, born within two years, known to at least two of the same services."""
    hh = world.households[child.household]
    mine = set(world.truth(child.pid))
    for pid in hh.children:
        sib = world.residents[pid]
        if pid != child.pid and sib.family == child.family and abs((sib.dob - child.dob).days) < 730 \
                and len(mine & set(world.truth(pid))) >= 2:
            return True
    return False


def _plain(r: synthetic.Resident, given: str | None = None, previous: tuple[str, ...] = ()) -> Identity:
    """The resident as a careful requester writes them: legal name (or the one given), current address."""
    home = r.homes[-1]
    return Identity(given_names=given or " ".join(r.given), family_name=r.family, date_of_birth=r.dob,
                    previous_names=previous, addresses=(home.address(current=True),))


def _parent(world: World, child: synthetic.Resident) -> Identity | None:
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
    added = 0
    now = datetime.now(UTC)
    with rt.db.transaction() as session:
        for i, req in enumerate(demo_requests(seed, families)):
            s = req.subject
            exists = session.scalar(
                select(RightsRequest.id).join(Person, RightsRequest.subject_id == Person.id).where(
                    Person.match_key.in_(match_keys(s.given_names, s.family_name, s.date_of_birth)),
                    RightsRequest.kind == RequestKind.ACCESS.value,
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
        return re.sub(r"[^a-z]", "", synthetic.strip_accents(text).lower())
    return f"{clean(identity.given_names.split()[0])}.{clean(identity.family_name)}@example.org"


def _age(dob: date | None, today: date) -> int:
    if dob is None:
        return 0
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
