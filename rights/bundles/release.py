"""Releasing an approved version: a link to the portal by email (never the data), downloads behind a fresh
one-time code, links that expire, and every download audited; a print pack for a requester without email.

Why a link and a code rather than an attachment: email is neither private nor reliably delivered to the
right person, and a care record sent to a shared inbox cannot be recalled. The portal page asks for the
requester's email address and sends a fresh code through the same machinery as "check progress"
(:mod:`rights.progress`: keyed hash, 15 minutes, 5 tries, 3 codes an hour), so the link alone opens nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import audit, clock, privacy_notice
from rights.bundles import versions
from rights.config import Settings
from rights.jobs import JobQueue
from rights.models import AuditEvent, BundleVersion, DownloadLink, RightsRequest, utcnow
from rights.notify import queue_email
from rights.security import Cipher, EncryptedStore
from rights.staff import staff_names

RELEASE_TEMPLATE = "case_released"
DOWNLOAD_ACTION = "release.downloaded"
FILES = ("letter", "bundle")


def link_url(settings: Settings, link_id: str) -> str:
    return f"{settings.public_base_url}/download/{link_id}"


def release(session: Session, queue: JobQueue, settings: Settings, request: RightsRequest, actor: str, *,
            now: datetime | None = None) -> DownloadLink:
    """Release the approved version: a download link, and the email saying where (or a print pack to post).

    The workflow's guards have already checked the version is approved, current and leak-free; this checks
    the version's state again so no other caller can release a draft.
    """
    now = now or utcnow()
    version = versions.latest(session, request.id)
    if version is None or version.status != "approved" or version.leak_findings:
        raise versions.VersionError("Only an approved version with a clean leak check can be released.")
    link = DownloadLink(request_id=request.id, version_id=version.id, created_at=now,
                        expires_at=now + timedelta(days=settings.download_days))
    session.add(link)
    version.status = "released"
    version.released_at = now
    session.flush()
    expires_on = clock.long_date(link.expires_at.astimezone(clock.LONDON).date())
    to = request.requester.email if request.requester else None
    if to:
        notice = privacy_notice.load()
        queue_email(session, queue, key=f"release:{link.id}", to=to, template=RELEASE_TEMPLATE,
                    request_id=request.id,
                    context={"reference": request.reference, "requester_name": request.requester.full_name,
                             "url": link_url(settings, link.id), "expires_on": expires_on,
                             "pages": version.pages, "council_name": settings.council_name,
                             "ico_url": notice.ico_url, "ico_phone": notice.ico_phone})
    else:
        # No email: the letter and bundle go by post (print_pack); the post queue picks this entry up.
        audit.record(session, actor, "letter.needs_post", request_id=request.id, target=request.reference,
                     detail={"template": RELEASE_TEMPLATE, "print_pack": version.number})
    audit.record(session, actor, "bundle.released", request_id=request.id, target=request.reference,
                 detail={"version": version.number, "sha256": version.final_sha256, "link": link.id,
                         "by": "email" if to else "post"})
    return link


def record_posted(session: Session, request: RightsRequest, actor: str, on: date) -> None:
    """The print pack was posted: from then on the requester's progress page says "Replied"."""
    request.details = {**(request.details or {}), "print_pack_posted_on": on.isoformat()}
    audit.record(session, actor, "release.posted", request_id=request.id, target=request.reference,
                 detail={"on": on})


# --------------------------------------------------------------------------------------------------
# The portal's download page


def open_link(session: Session, link_id: str, *, now: datetime | None = None) -> DownloadLink | None:
    """The link if it exists, has not expired and its version is still the released one; else None."""
    now = now or utcnow()
    link = session.get(DownloadLink, link_id) if link_id and len(link_id) <= 32 else None
    if link is None or link.expires_at <= now:
        return None
    version = session.get(BundleVersion, link.version_id)
    return link if version is not None and version.status == "released" else None


def download(session: Session, store: EncryptedStore, link: DownloadLink, which: str, *, ip: str | None = None,
             now: datetime | None = None) -> bytes:
    """One released file, decrypted, with an audit entry the case page shows."""
    if which not in FILES:
        raise versions.VersionError("Unknown file.")
    version = session.get(BundleVersion, link.version_id)
    assert version is not None
    data = versions.files(store, version, final=True)[which]
    link.downloads += 1
    link.last_downloaded_at = now or utcnow()
    request = session.get(RightsRequest, link.request_id)
    audit.record(session, "citizen", DOWNLOAD_ACTION, request_id=link.request_id,
                 target=request.reference if request else None,
                 detail={"file": which, "version": version.number, "link": link.id}, ip=ip)
    return data


@dataclass(frozen=True)
class Download:
    at: datetime
    file: str
    version: int | None


def downloads_of(session: Session, request_id: int) -> list[Download]:
    """Every download of the case's released files, newest first (the case page's release section)."""
    rows = session.scalars(select(AuditEvent).where(AuditEvent.request_id == request_id,
                                                    AuditEvent.action == DOWNLOAD_ACTION)
                           .order_by(AuditEvent.id.desc()))
    return [Download(at=r.at, file=str((r.detail or {}).get("file", "")), version=(r.detail or {}).get("version"))
            for r in rows]


def links_of(session: Session, request_id: int) -> list[DownloadLink]:
    return list(session.scalars(select(DownloadLink).where(DownloadLink.request_id == request_id)
                                .order_by(DownloadLink.created_at.desc())))


@dataclass(frozen=True)
class ExpiringLink:
    """Shaped like ``rights.schedule.reminders.ExpiringLink`` (which this package may not import)."""

    link_id: str
    request_id: int
    expires_on: date
    url: str


def expiring_links(session: Session, first: date, last: date) -> list[ExpiringLink]:
    """Links expiring between ``first`` and ``last`` (London days) never used: the schedule's reminder query."""
    from rights import runtime

    settings = runtime.current().settings
    start = datetime.combine(first, datetime.min.time(), clock.LONDON)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), clock.LONDON)
    rows = session.scalars(select(DownloadLink).where(DownloadLink.expires_at >= start, DownloadLink.expires_at < end,
                                                      DownloadLink.downloads == 0))
    return [ExpiringLink(link_id=r.id, request_id=r.request_id,
                         expires_on=r.expires_at.astimezone(clock.LONDON).date(), url=link_url(settings, r.id))
            for r in rows]


# --------------------------------------------------------------------------------------------------
# The case page's release section


@dataclass(frozen=True)
class Panel:
    state: versions.VersionState
    versions: list[BundleVersion]
    links: list[DownloadLink]
    downloads: list[Download]
    undecided: int
    can_prepare: bool  # in review, every record decided, and no version matches the decisions yet
    postal: bool  # no email address: the approved letter and bundle go as a print pack
    posted_on: str | None
    names: dict[str, str]  # staff display names by actor reference (who prepared, who approved)


def panel(session: Session, cipher: Cipher, request: RightsRequest, *, may_prepare: bool) -> Panel:
    """What the release section shows: versions, staleness, leak findings, links and downloads."""
    from rights.redaction.decisions import undecided_count

    undecided = undecided_count(session, request.id)
    state = versions.state(session, cipher, request)
    return Panel(state=state, versions=versions.versions(session, request.id),
                 links=links_of(session, request.id), downloads=downloads_of(session, request.id),
                 undecided=undecided,
                 can_prepare=may_prepare and request.status == "review" and not undecided and not state.ready,
                 postal=not (request.requester and request.requester.email),
                 posted_on=(request.details or {}).get("print_pack_posted_on"), names=staff_names(session))
