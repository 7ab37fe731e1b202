"""The demo connector: reproducible synthetic systems, look-alikes in searches, records, CCTV retention."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rights import identifiers
from rights.demo.connector import DemoConnector, demo_sources, source_name
from rights.demo.requests import demo_requests
from rights.demo.world import CCTV_RETENTION_DAYS, SERVICE_CODES, generate_world
from rights.matching import Outcome, fold, match
from rights.sources.base import Candidate, Connector, NotSearchable, SearchTerms

SEED, FAMILIES = 42, 120
TODAY = date(2026, 3, 1)


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    return generate_world(SEED, FAMILIES)


@pytest.fixture(scope="module")
def sources() -> dict[str, DemoConnector]:
    return {c.service: c for c in demo_sources(SEED, FAMILIES, today=TODAY)}


def _candidate(connector: DemoConnector, person_id: str) -> Candidate:
    sp = connector.world.sources[connector.service].people[person_id]
    return Candidate(connector.name, person_id, sp.identity)


def test_seven_services_each_a_connector(sources: dict[str, DemoConnector]) -> None:
    assert sorted(sources) == sorted(SERVICE_CODES)
    assert len(SERVICE_CODES) == 7
    for service, connector in sources.items():
        assert isinstance(connector, Connector)
        assert connector.name == source_name(service)
    with pytest.raises(ValueError, match="unknown demo service"):
        DemoConnector("x", "astrology")


def test_same_seed_same_county_other_seed_different() -> None:
    a = demo_requests(SEED, FAMILIES, featured=False, count=30)
    generate_world.cache_clear()
    b = demo_requests(SEED, FAMILIES, featured=False, count=30)
    c = demo_requests(SEED + 1, FAMILIES, featured=False, count=30)
    assert a == b
    assert [r.subject for r in a] != [r.subject for r in c]


def test_records_are_reproducible_and_filtered_by_period(sources: dict[str, DemoConnector]) -> None:
    connector = sources["childrens_social_care"]
    person_id = next(iter(connector.world.sources["childrens_social_care"].people))
    cand = _candidate(connector, person_id)
    everything = connector.fetch_records(cand, SearchTerms(cand.identity))
    again = DemoConnector(connector.name, "childrens_social_care", seed=SEED, families=FAMILIES, today=TODAY)
    assert again.fetch_records(cand, SearchTerms(cand.identity)) == everything
    assert everything and all(r.person_id == person_id and r.source == connector.name for r in everything)
    dated = sorted(r.date for r in everything if r.date)
    middle = dated[len(dated) // 2]
    later = connector.fetch_records(cand, SearchTerms(cand.identity, date_from=middle))
    assert later and all(r.date and r.date >= middle for r in later)
    assert len(later) < len(everything) or dated[0] == middle


def test_identifiers_are_valid_where_not_deliberately_mistyped(world) -> None:  # type: ignore[no-untyped-def]
    children = world.children()
    assert all(identifiers.nhs_number_valid(c.nhs) for c in children)
    assert all(identifiers.upn_valid(c.upn) for c in children if c.upn)
    nhs = [c.nhs for c in world.residents.values()]
    assert len(nhs) == len(set(nhs))


def test_look_alikes_come_back_from_searches_and_are_never_accepted(world, sources) -> None:  # type: ignore[no-untyped-def]
    lookalikes = [c for c in world.children() if c.lookalike_of]
    kinds = {c.lookalike_kind for c in lookalikes}
    assert kinds == {"same_name", "same_dob"}
    seen = 0
    for req in demo_requests(SEED, FAMILIES, featured=False):
        twins_or_lookalikes = {c.pid for c in lookalikes if c.lookalike_of == req.pid}
        for connector in sources.values():
            for cand in connector.find_candidates(SearchTerms(req.subject)):
                pid = world.sources[connector.service].people[cand.person_id].pid
                if pid in twins_or_lookalikes:
                    seen += 1
                    assert match(req.subject, cand).outcome is not Outcome.ACCEPT
    assert seen >= 5


def test_siblings_share_surname_and_address_and_come_back_too(world, sources) -> None:  # type: ignore[no-untyped-def]
    found_sibling = False
    for req in demo_requests(SEED, FAMILIES, featured=False, count=80):
        me = world.residents[req.pid]
        siblings = {p for p in world.households[me.household].children if p != req.pid}
        for connector in sources.values():
            for cand in connector.find_candidates(SearchTerms(req.subject)):
                if world.sources[connector.service].people[cand.person_id].pid in siblings:
                    found_sibling = True
                    assert match(req.subject, cand).outcome is not Outcome.ACCEPT
    assert found_sibling


@pytest.fixture(scope="module")
def county():  # type: ignore[no-untyped-def]
    """A bigger county, for the rarer slips and for residential homes with several children."""
    return generate_world(SEED, 600)


def test_name_variants_across_systems(county) -> None:  # type: ignore[no-untyped-def]
    """Each kind of variation the matcher must cope with occurs somewhere in the county."""
    seen: set[str] = set()
    for code, src in county.sources.items():
        for sp in src.people.values():
            r = county.residents[sp.pid]
            ident = sp.identity
            legal = " ".join((*r.given, r.family))
            if r.known_as and ident.given_names == r.known_as:
                seen.add("nickname")
            if len(ident.given_names.split()[0]) == 1:
                seen.add("initial")
            if r.previous_families and ident.family_name in r.previous_families:
                seen.add("old surname held")
            if "-" in r.family and ident.family_name != r.family:
                seen.add("double name split or joined")
            if code in ("send", "youth_justice") and fold(legal) != legal.lower() \
                    and fold(f"{ident.given_names} {ident.family_name}") == fold(legal) \
                    and f"{ident.given_names} {ident.family_name}" != legal:
                seen.add("accents dropped")
            if ident.date_of_birth and ident.date_of_birth != r.dob:
                seen.add("date of birth slip")
            if r.role == "child" and not ident.nhs_number:
                seen.add("NHS number missing")
    assert seen >= {"nickname", "initial", "old surname held", "double name split or joined", "accents dropped",
                    "date of birth slip", "NHS number missing"}


def test_records_list_involved_people_with_roles(county) -> None:  # type: ignore[no-untyped-def]
    roles: set[str] = set()
    titles: set[str] = set()
    foster_addresses = 0
    for code in ("childrens_social_care", "fostering_adoption", "residential_homes", "shared_care_record",
                 "youth_justice"):
        connector = DemoConnector(source_name(code), code, seed=SEED, families=600, today=TODAY)
        for person_id in list(county.sources[code].people)[:40]:
            cand = _candidate(connector, person_id)
            for rec in connector.fetch_records(cand, SearchTerms(cand.identity)):
                assert rec.involved[0].role == "subject"
                for inv in rec.involved:
                    roles.add(inv.role)
                    if inv.role == "professional":
                        assert inv.job_title and inv.name in rec.text  # type: ignore[operator]
                        titles.add(inv.job_title)
                    if inv.role == "foster_carer":
                        assert inv.address  # the system knows where carers live, even when the text omits it
                        foster_addresses += inv.address in (rec.text or "")
    assert {"subject", "family_member", "professional", "foster_carer", "other_child", "referrer"} <= roles
    assert {"Social Worker", "Team Manager", "Health Visitor", "Teacher"} <= titles
    assert foster_addresses > 0  # and some records spell it out: redaction must find it


def test_cctv_keeps_only_the_last_fourteen_days(world) -> None:  # type: ignore[no-untyped-def]
    resident = next(c for c in world.children() if c.placement and c.placement.home is not None
                    and c.placement.since < TODAY - timedelta(days=60))
    person_id = world.sources["residential_homes"].by_pid[resident.pid][0]
    today = TODAY
    connector = DemoConnector("rh", "residential_homes", seed=SEED, families=FAMILIES, today=today)
    records = connector.fetch_records(_candidate(connector, person_id), SearchTerms(resident_identity := (
        world.sources["residential_homes"].people[person_id].identity)))
    clips = [r for r in records if r.metadata["kind"] == "cctv_clip"]
    notices = [r for r in records if r.metadata["kind"] == "cctv_deletion_notice"]
    assert clips, "a resident for months should appear on some recent clips"
    assert all(today - timedelta(days=CCTV_RETENTION_DAYS) <= r.date <= today for r in clips)  # type: ignore[operator]
    assert len(notices) == 1 and "deleted automatically" in (notices[0].text or "")
    # A week later, the oldest clips have gone and none older than 14 days is ever returned.
    later = DemoConnector("rh", "residential_homes", seed=SEED, families=FAMILIES, today=today + timedelta(days=7))
    later_clips = [r for r in later.fetch_records(_candidate(later, person_id), SearchTerms(resident_identity))
                   if r.metadata["kind"] == "cctv_clip"]
    assert all(r.date >= today + timedelta(days=7 - CCTV_RETENTION_DAYS) for r in later_clips)  # type: ignore[operator]
    kept = {r.record_id for r in clips if r.date >= today + timedelta(days=7 - CCTV_RETENTION_DAYS)}  # type: ignore[operator]
    assert kept <= {r.record_id for r in later_clips}  # the same footage, not regenerated


def test_search_needs_something_to_search_by(sources: dict[str, DemoConnector]) -> None:
    from rights.sources.base import Identity

    with pytest.raises(NotSearchable):
        sources["shared_care_record"].find_candidates(SearchTerms(Identity(given_names="Amelia", family_name="")))


def test_nhs_number_finds_the_person_even_under_another_name(world, sources) -> None:  # type: ignore[no-untyped-def]
    from rights.sources.base import Identity

    child = next(c for c in world.children() if "shared_care_record" in world.truth(c.pid))
    search = SearchTerms(Identity("Nobody", "Unknown", nhs_number=child.nhs))
    found = sources["shared_care_record"].find_candidates(search)
    assert world.truth(child.pid)["shared_care_record"][0] in {c.person_id for c in found}


def test_featured_requests_cover_the_showcase_cases() -> None:
    featured = demo_requests()
    labels = [r.label for r in featured]
    assert labels[0] == "known by a nickname"
    assert any(label.startswith("previous surname") for label in labels)
    assert any("look-alike sibling" in label for label in labels)
    world = generate_world()
    for req in featured:
        assert req.person_ids and len(req.person_ids) >= 2
        for name, ids in req.person_ids.items():
            service = name.removeprefix("demo-").replace("-", "_")
            assert all(world.sources[service].people[i].pid == req.pid for i in ids)
    nickname = featured[0]
    assert world.residents[nickname.pid].known_as == nickname.subject.given_names
