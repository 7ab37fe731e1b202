"""The council's privacy notice as configuration (``rights/data/privacy_notice.toml``).

Why configuration and not page text: the same facts appear on the portal's privacy page, as the list of
services on the request form, and (later) as the Art 15 information in every access response letter
(purposes, categories, recipients, retention, sources, automated decision-making, rights, complaints).
One file keeps them saying the same thing. The ``[contact]`` table is the letterhead of
every PDF letter and bundle (``rights.bundles``). Sections the seed notice does not cover carry
``confirmed = false``; :meth:`PrivacyNotice.gaps` names them so a council can see what to fill in.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "privacy_notice.toml"


@dataclass(frozen=True)
class Service:
    """A service a person may have had contact with (a checkbox on the request form)."""

    key: str
    label: str
    young: str  # the same, in words a 12-year-old understands


@dataclass(frozen=True)
class Section:
    heading: str
    text: str
    extra: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contact:
    """How to reach the council's information rights team: the letterhead of every letter and bundle."""

    department: str
    address: tuple[str, ...]
    email: str
    phone: str
    website: str
    dpo: str  # the Data Protection Officer's contact (Art 13(1)(b)), named in response letters

    def template_values(self) -> dict[str, str]:
        """The three values portal pages, emails and posted text letters show, from the same table as the
        PDF letterhead, so a council's new address cannot reach the letters and miss the emails."""
        return {"council_address": ", ".join((self.department, *self.address)),
                "council_phone": self.phone, "council_email": self.email}


@dataclass(frozen=True)
class PrivacyNotice:
    title: str
    last_updated: date
    intro: str
    general_notice_url: str
    purposes: tuple[str, ...]
    lawful_basis: str
    legislation: tuple[str, ...]
    categories: tuple[str, ...]
    sources: tuple[str, ...]
    recipients_intro: str
    recipients: tuple[str, ...]
    no_sale: str
    automated_decision_making: str
    research: str
    accuracy: str
    cctv: Section
    shared_care_record: Section
    retention: str
    transfers: str
    rights: tuple[str, ...]
    complaints_council: str
    complaints_ico: str
    ico_address: str
    ico_phone: str
    ico_url: str
    services: tuple[Service, ...]
    unconfirmed: tuple[str, ...]
    contact: Contact

    def service(self, key: str) -> Service | None:
        return next((s for s in self.services if s.key == key), None)

    def service_label(self, key: str) -> str:
        found = self.service(key)
        return found.label if found else key

    def gaps(self) -> tuple[str, ...]:
        """Sections holding general defaults rather than the council's own confirmed wording."""
        return self.unconfirmed


def _tuple(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"privacy notice: {key} must be a list of strings")
    return tuple(value)


def parse(raw: dict[str, Any]) -> PrivacyNotice:
    """Build the notice from parsed TOML; raises ValueError naming a missing or malformed entry."""
    try:
        services = tuple(Service(key=s["key"], label=s["label"], young=s.get("young", s["label"]))
                         for s in raw["services"])
        keys = [s.key for s in services]
        if len(set(keys)) != len(keys):
            raise ValueError("privacy notice: service keys must be unique")
        unconfirmed = tuple(
            name for name in ("categories", "retention", "transfers", "rights", "complaints")
            if not (raw.get(f"{name}_confirmed") if name == "categories" else raw[name].get("confirmed"))
        )
        return PrivacyNotice(
            title=raw["title"],
            last_updated=raw["last_updated"],
            intro=raw["intro"],
            general_notice_url=raw.get("general_notice_url", ""),
            purposes=_tuple(raw, "purposes"),
            lawful_basis=raw["lawful_basis"],
            legislation=_tuple(raw, "legislation"),
            categories=_tuple(raw, "categories"),
            sources=_tuple(raw, "sources"),
            recipients_intro=raw["recipients_intro"],
            recipients=_tuple(raw, "recipients"),
            no_sale=raw["no_sale"],
            automated_decision_making=raw["automated_decision_making"],
            research=raw["research"],
            accuracy=raw["accuracy"],
            cctv=Section(raw["cctv"]["heading"], raw["cctv"]["text"], (raw["cctv"]["retention"],)),
            shared_care_record=Section(raw["shared_care_record"]["heading"], raw["shared_care_record"]["text"],
                                       _tuple(raw["shared_care_record"], "legal_basis")),
            retention=raw["retention"]["text"],
            transfers=raw["transfers"].get("text", ""),
            rights=_tuple(raw["rights"], "items"),
            complaints_council=raw["complaints"]["council"],
            complaints_ico=raw["complaints"]["ico"],
            ico_address=raw["complaints"]["ico_address"],
            ico_phone=raw["complaints"]["ico_phone"],
            ico_url=raw["complaints"]["ico_url"],
            services=services,
            unconfirmed=unconfirmed,
            contact=Contact(department=raw["contact"]["department"], address=_tuple(raw["contact"], "address"),
                            email=raw["contact"]["email"], phone=raw["contact"]["phone"],
                            website=raw["contact"].get("website", ""), dpo=raw["contact"]["dpo"]),
        )
    except KeyError as exc:
        raise ValueError(f"privacy notice: missing entry {exc.args[0]!r}") from None


def council_contact() -> dict[str, str]:
    """How requesters reach information governance (:meth:`Contact.template_values` of the notice)."""
    return load().contact.template_values()


@functools.lru_cache(maxsize=4)
def load(path: str | Path = DEFAULT_PATH) -> PrivacyNotice:
    """The notice from ``path`` (cached: the file changes with a deploy, not at run time)."""
    with open(path, "rb") as fh:
        return parse(tomllib.load(fh))
