"""The ``sar-api`` connector: the subject-access contract shared by government services (HMPPS and others).

``GET {base_url}/subject-access-request?prn=&crn=&fromDate=&toDate=`` with ``Authorization: Bearer``. The
contract (the shared Kotlin controller every such service mounts) answers:

- **200** ``{"content": ..., "attachments": [...]}``: the data held, turned into records grouped by section,
  plus one record per attachment, downloaded from the service's own origin;
- **200** with ``{}``, an empty body, or ``"content": null``, and **204**: no data held about the subject;
- **209**: the service does not handle the kind of identifier sent (a CRN to a prison-only service, a PRN to
  a probation-only one): it needs the other one. An *unknown* person gets 204, not 209;
- **401**: our token expired or was revoked: a client-credentials token is fetched again, once;
- **other 4xx** (400, 403, 404, ...): final, :class:`NotSearchable` with the status: asking again cannot help;
- **5xx**, a timeout or no connection: retried ``retries`` times, ``backoff_seconds`` apart, then a
  :class:`SourceError` (the task records it and the job is retried later).

The defaults follow the real HMPPS client: 60 s per request, 2 retries, 10 s back-off.

Why one GET per search: a search asks ``find_candidates`` then ``fetch_records`` with the same terms, and
some answers run to hundreds of KB. The answer is kept in memory for the same terms for a few minutes
(``ANSWER_TTL``), and dropped once its records are fetched.

Why record ids are paths: a record is one section of the answer (a list item, a nested object, or the
top-level details); its id is the section's path plus the item's own ``id`` when it has one, else a digest
of its content, plus an occurrence number among identical items. Ids are stable whatever order the
service lists items in, and three identical referrals stay three records.

Attachments: one :class:`SourceRecord` per attachment (``attachment/<number>``), carrying the file bytes,
the text extracted as for folder documents, and ``metadata["referenced_by"]`` naming the content records
that mention it. A URL on any other origin is refused without a request (our token and the listed headers
are only ever sent to the service itself). A refused or failed attachment raises
:class:`IncompleteRecords` carrying the records gathered, so the task shows the error and the job retries.

The service finds the subject by identifier, so the subject's PRN or CRN must be among the request's
identifiers (schemes set per source). The answer rarely names the subject, so its candidate usually goes
to an officer: the PRN/CRN we sent comes back as the candidate's identifier, which corroborates nothing.
Settings are documented in the README ("Source connectors", ``sar-api``).
"""

from __future__ import annotations

from rights.sources.sar_api.attachments import AttachmentRefused, checked_type, origin_of
from rights.sources.sar_api.auth import ClientCredentials, FixedToken
from rights.sources.sar_api.connector import Answer, Refusal, SarApiConnector
from rights.sources.sar_api.content import flatten, identity_from, record_date, records_from, scalar_text
from rights.sources.sar_api.contract import DEFAULT_TIMEOUT_SECONDS
from rights.sources.sar_api.people import InvolvedRule, involved_in
from rights.sources.sar_api.settings import from_settings

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "Answer",
    "AttachmentRefused",
    "ClientCredentials",
    "FixedToken",
    "InvolvedRule",
    "Refusal",
    "SarApiConnector",
    "checked_type",
    "flatten",
    "from_settings",
    "identity_from",
    "involved_in",
    "origin_of",
    "record_date",
    "records_from",
    "scalar_text",
]
