"""Search terms: who the search looks for, as the connectors receive it and as the log and pages show it.

The terms are stored on each task as JSON (so the search log shows what was actually used); these
functions are the one place that encodes, decodes and describes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from rights.models import (
    Person,
    RightsRequest,
    SearchTask,
)
from rights.sources.base import (
    Address,
    Identity,
    SearchTerms,
)


# ---------------------------------------------------------------------- terms
def subject_identity(person: Person) -> Identity:
    """The request's subject as a connector and the matcher see them."""
    identifiers = dict(person.identifiers or {})
    nhs = identifiers.pop("nhs_number", None)
    upn = identifiers.pop("upn", None)
    addresses = tuple(
        Address(lines=tuple(str(line) for line in a.get("lines") or ()),
                postcode=str(a["postcode"]) if a.get("postcode") else None, current=bool(a.get("current")))
        for a in (person.addresses or []) if isinstance(a, dict)
    )
    return Identity(
        given_names=person.given_names or "",
        family_name=person.family_name or "",
        date_of_birth=person.date_of_birth,
        previous_names=tuple(str(n) for n in (person.previous_names or []) if str(n).strip()),
        addresses=addresses,
        nhs_number=str(nhs).strip() if nhs else None,
        upn=str(upn).strip() if upn else None,
        other_ids=tuple(sorted((str(k), str(v).strip()) for k, v in identifiers.items() if v not in (None, ""))),
    )


def search_terms(request: RightsRequest) -> SearchTerms:
    return SearchTerms(identity=subject_identity(request.subject), date_from=request.period_from,
                       date_to=request.period_to)


def identity_to_json(identity: Identity) -> dict[str, Any]:
    return {
        "given_names": identity.given_names,
        "family_name": identity.family_name,
        "date_of_birth": identity.date_of_birth.isoformat() if identity.date_of_birth else None,
        "previous_names": list(identity.previous_names),
        "addresses": [{"lines": list(a.lines), "postcode": a.postcode, "current": a.current}
                      for a in identity.addresses],
        "nhs_number": identity.nhs_number,
        "upn": identity.upn,
        "other_ids": [list(pair) for pair in identity.other_ids],
    }


def identity_from_json(data: Mapping[str, Any]) -> Identity:
    dob = data.get("date_of_birth")
    return Identity(
        given_names=data.get("given_names") or "",
        family_name=data.get("family_name") or "",
        date_of_birth=date.fromisoformat(dob) if dob else None,
        previous_names=tuple(data.get("previous_names") or ()),
        addresses=tuple(Address(lines=tuple(a.get("lines") or ()), postcode=a.get("postcode"),
                                current=bool(a.get("current"))) for a in data.get("addresses") or ()),
        nhs_number=data.get("nhs_number"),
        upn=data.get("upn"),
        other_ids=tuple((str(s), str(v)) for s, v in data.get("other_ids") or ()),
    )


def terms_to_json(terms: SearchTerms) -> dict[str, Any]:
    return {**identity_to_json(terms.identity),
            "date_from": terms.date_from.isoformat() if terms.date_from else None,
            "date_to": terms.date_to.isoformat() if terms.date_to else None}


def terms_from_json(data: Mapping[str, Any]) -> SearchTerms:
    return SearchTerms(
        identity=identity_from_json(data),
        date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
        date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
    )


def terms_summary(terms: Mapping[str, Any]) -> dict[str, Any]:
    """Which terms a search used, without their values, plus a digest that ties them to the task row.

    The audit trail is append-only and outlives the request's retention period, so it records what
    kinds of terms were used (names, date of birth, which identifiers) rather than the values; the
    digest proves which values while the task row still exists.
    """
    used = sorted(k for k, v in terms.items() if v not in (None, "", [], {}) and k not in ("date_from", "date_to"))
    digest = hashlib.sha256(json.dumps(terms, sort_keys=True, default=str).encode()).hexdigest()
    return {"fields": used, "identifier_schemes": sorted({str(p[0]) for p in terms.get("other_ids") or ()}),
            "period": [terms.get("date_from"), terms.get("date_to")], "terms_sha256": digest}




def terms_used(terms: dict[str, Any] | None) -> list[str]:
    """The kinds of terms a search used, as the search log names them (the values stay on the task)."""
    terms = terms or {}
    kinds = [label for key, label in (("given_names", "given names"), ("family_name", "family name"),
                                      ("previous_names", "previous names"), ("date_of_birth", "date of birth"),
                                      ("nhs_number", "NHS number"), ("upn", "UPN")) if terms.get(key)]
    schemes = sorted({str(pair[0]) for pair in terms.get("other_ids") or ()})
    if schemes:
        kinds.append(f"identifiers ({', '.join(schemes)})")
    if terms.get("addresses"):
        kinds.append(f"{len(terms['addresses'])} address(es)")
    return kinds


def subject_terms(task: SearchTask) -> list[tuple[str, str]]:
    """The terms the search used, for the record holder searching their own system by hand."""
    terms = task.terms or {}
    rows = [("Name", " ".join(filter(None, [terms.get("given_names"), terms.get("family_name")])) or "Not given")]
    if terms.get("previous_names"):
        rows.append(("Previous names", ", ".join(terms["previous_names"])))
    rows.append(("Date of birth", terms.get("date_of_birth") or "Not given"))
    if terms.get("nhs_number"):
        rows.append(("NHS number", terms["nhs_number"]))
    if terms.get("upn"):
        rows.append(("UPN", terms["upn"]))
    for scheme, value in terms.get("other_ids") or ():
        rows.append((f"Identifier ({scheme})", value))
    for address in terms.get("addresses") or ():
        text = ", ".join([*address.get("lines", []), address.get("postcode") or ""]).strip(", ")
        rows.append(("Current address" if address.get("current") else "Previous address", text or "Not given"))
    period = (terms.get("date_from"), terms.get("date_to"))
    rows.append(("Period", f"{period[0] or 'any date'} to {period[1] or 'any date'}" if any(period) else "Not limited"))
    return rows

