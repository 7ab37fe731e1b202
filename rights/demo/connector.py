"""The ``demo`` connector type: seeded, reproducible synthetic systems for the seven services.

Each :class:`DemoConnector` is one service's system over the shared synthetic county
(:mod:`rights.demo.world`). It searches the way a worker's search screen does (identifier, date of
birth, surname with previous and double-barrelled forms), so look-alike children come back as candidates
and identity matching is really exercised; and it fetches a person's records with the people involved.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rights.demo import world as synthetic
from rights.demo.world import SERVICE_BY_CODE, SERVICE_CODES, SERVICES, World, generate_world
from rights.sources.base import Candidate, NotSearchable, SearchTerms, SourceRecord
from rights.sources.registry import DEFAULT_TIMEOUT, SettingsReader, Source, SourceConfigError

DEFAULT_SEED = 42
DEFAULT_FAMILIES = 300  # about 1,300 people: enough look-alikes to show, small enough to start instantly

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
            for sp in synthetic.find(self.world, self.service, subject)
        ]

    def fetch_records(self, candidate: Candidate, terms: SearchTerms) -> list[SourceRecord]:
        sp = self.world.sources[self.service].people.get(candidate.person_id)
        if sp is None:
            return []
        return synthetic.records_for(self.world, sp, self.name, self.today, terms.date_from, terms.date_to)

    def __repr__(self) -> str:
        return f"DemoConnector({self.name!r}, {self.service!r}, seed={self.seed}, families={self.families})"


def source_name(service: str) -> str:
    """The connector name the demo uses for a service: 'demo-childrens-social-care'."""
    return "demo-" + service.replace("_", "-")


def demo_sources(seed: int = DEFAULT_SEED, families: int = DEFAULT_FAMILIES,
                 today: date | None = None) -> list[DemoConnector]:
    """The seven services of the privacy notice as demo systems over one synthetic county."""
    return [DemoConnector(source_name(s.code), s.code, seed=seed, families=families, today=today) for s in SERVICES]


def from_settings(*, name: str, service: str, settings: SettingsReader, timeout: float, base_dir: Path
                  ) -> DemoConnector:
    """A demo system from the sources file: its settings (seed, sizes) are passed to ``DemoConnector`` as is."""
    options = {key: settings.get(key, object) for key in settings.settings}
    try:
        return DemoConnector(name, service, **options)
    except TypeError as exc:
        raise SourceConfigError(f"{settings.where}: settings not accepted by the demo connector: {exc}") from exc


def default_sources() -> list[Source]:
    """The seeded synthetic systems for the seven services, as the registry lists sources."""
    return [Source(name=c.name, service=c.service, type="demo", timeout_seconds=DEFAULT_TIMEOUT, connector=c)
            for c in demo_sources()]
