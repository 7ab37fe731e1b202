"""Releasing an approved version: a link to the portal by email (never the data), downloads behind a fresh
one-time code, links that expire, and every download audited; for a requester who chose post (or gave no
email address) the print pack, the approved letter then the bundle, goes on the "to post" list.

Why a link and a code rather than an attachment: email is neither private nor reliably delivered to the
right person, and a care record sent to a shared inbox cannot be recalled. The portal page asks for the
requester's email address and sends a fresh code through the same machinery as "check progress"
(:mod:`rights.progress`: keyed hash, 15 minutes, 5 tries, 3 codes an hour), so the link alone opens nothing.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import audit, clock, privacy_notice
from rights.bundles import finalise, versions
from rights.config import Settings
from rights.jobs import JobQueue
from rights.models import AuditEvent, BundleVersion, Document, DownloadLink, JobRun, PostItem, RightsRequest, utcnow
from rights.notify import post, queue_email
from rights.security import Cipher, EncryptedStore
from rights.staff import staff_names
from rights.vocabulary import JobStatus

RELEASE_TEMPLATE = "case_released"
DOWNLOAD_ACTION = "release.downloaded"
FILES = ("letter", "bundle")


def link_url(settings: Settings, link_id: str) -> str:
    return f"{settings.public_base_url}/download/{link_id}"


def release(session: Session, queue: JobQueue, settings: Settings, request: RightsRequest, actor: str, *,
            now: datetime | None = None) -> DownloadLink | None:
    """Release the approved version by every channel the requester chose: an emailed link to the portal (the
    link is returned), and/or the print pack on the "to post" list. Refused when there is neither an email
    address nor a postal address to send it to.

    The workflow's guards have already checked the version is approved, current and leak-free; this checks
    the version's state again so no other caller can release a draft.
    """
    now = now or utcnow()
    version = versions.latest(session, request.id)
    if version is None or version.status != "approved" or version.leak_findings:
        raise versions.VersionError("Only an approved version with a clean leak check can be released.")
    by_email = post.wants_email(request)
    address = post.postal_address(request.requester) if post.wants_post(request) else []
    if not by_email and not address:
        raise versions.VersionError("There is no email address or postal address to send the response to: "
                                    "add one to the requester's details first.")
    version.status = "released"
    version.released_at = now
    link = None
    if by_email:
        link = DownloadLink(request_id=request.id, version_id=version.id, created_at=now,
                            expires_at=now + timedelta(days=settings.download_days))
        session.add(link)
        session.flush()
        notice = privacy_notice.load()
        queue_email(session, queue, key=f"release:{link.id}", to=str(request.requester.email),
                    template=RELEASE_TEMPLATE, request_id=request.id,
                    context={"reference": request.reference, "requester_name": request.requester.full_name,
                             "url": link_url(settings, link.id),
                             "expires_on": clock.long_date(link.expires_at.astimezone(clock.LONDON).date()),
                             "pages": version.pages, "council_name": settings.council_name,
                             "ico_url": notice.ico_url, "ico_phone": notice.ico_phone})
    if address:
        what = "letter" if version.bundle_key is None else f"letter and bundle ({version.pages} pages)"
        post.queue_post(session, request_id=request.id, kind=post.PRINT_PACK, key=f"post:response:{version.id}",
                        address=address, addressee=request.requester.full_name, actor=actor,
                        subject=f"Our response to your request {request.reference}: {what}",
                        document_ref=f"{post.RESPONSE_PREFIX}{version.id}")
    audit.record(session, actor, "bundle.released", request_id=request.id, target=request.reference,
                 detail={"version": version.number, "sha256": version.final_sha256,
                         "link": link.id if link else None,
                         "by": "+".join(c for c, on in (("email", by_email), ("post", bool(address))) if on)})
    return link


# --------------------------------------------------------------------------------------------------
# Printing from the "to post" list


def printables(session: Session, item: PostItem) -> list[tuple[str, str]]:
    """The PDFs to print for a "to post" entry, as (part, label), in the order to print them; [] when the
    entry has only its plain text."""
    ref = item.document_ref or ""
    if ref.startswith(post.DOCUMENT_PREFIX):
        return [("document", "The letter")]
    if ref.startswith(post.RESPONSE_PREFIX):
        version = session.get(BundleVersion, int(ref.removeprefix(post.RESPONSE_PREFIX)))
        if version is None:
            return []
        if not version.final_bundle_key:
            return [("letter", "The letter")]
        return [("pack", f"The print pack: the letter, then the bundle ({version.pages} pages), in one file"),
                ("letter", "The letter on its own"), ("bundle", f"The bundle on its own ({version.pages} pages)")]
    return []


def print_pack(letter: bytes, bundle: bytes, reference: str) -> bytes:
    """The letter then the bundle as one PDF, so one print job posts both and neither goes without the other.

    A blank page follows a letter of an odd number of pages, so that printed double-sided the bundle starts
    on a sheet of its own (its first page is the cover, not the back of the letter's last). Joined by
    :func:`pdfjoin.join` (streamed, one part in memory at a time); the bundle's bookmarks are not carried
    over (paper has none) and the file names the reference only."""
    import pikepdf

    from rights.bundles import pdfjoin

    with tempfile.TemporaryDirectory(prefix="pack-") as tmp:
        parts = [Path(tmp) / "letter.pdf", Path(tmp) / "bundle.pdf"]
        parts[0].write_bytes(letter)
        parts[1].write_bytes(bundle)
        with pikepdf.open(parts[0]) as pdf:
            odd, box = len(pdf.pages) % 2 == 1, pdf.pages[-1].mediabox
        if odd:
            blank = pikepdf.new()
            blank.add_blank_page(page_size=(float(box[2]) - float(box[0]), float(box[3]) - float(box[1])))
            blank.save(Path(tmp) / "blank.pdf")
            parts.insert(1, Path(tmp) / "blank.pdf")
        target = Path(tmp) / "pack.pdf"
        pdfjoin.join(parts, target, info={"Title": f"Print pack for {reference}", "Producer": "Rights Desk"})
        return target.read_bytes()


def printable(session: Session, store: EncryptedStore, item: PostItem, part: str, actor: str, *,
              ip: str | None = None) -> bytes | None:
    """One PDF of a "to post" entry, decrypted, audited as printed; None when the entry has no such part."""
    if part not in dict(printables(session, item)):
        return None
    ref = str(item.document_ref)
    if part == "document":
        document = session.get(Document, int(ref.removeprefix(post.DOCUMENT_PREFIX)))
        if document is None or document.request_id != item.request_id:
            return None
        data = store.get(document.storage_key)
    else:
        version = session.get(BundleVersion, int(ref.removeprefix(post.RESPONSE_PREFIX)))
        if version is None or version.request_id != item.request_id:
            return None
        files = versions.files(store, version, final=True)
        if part == "pack":
            request = session.get(RightsRequest, version.request_id)
            data = print_pack(files["letter"], files["bundle"], request.reference if request else "")
        else:
            data = files[part]
    audit.record(session, actor, "post.printed", request_id=item.request_id, target=f"post:{item.id}",
                 detail={"part": part}, ip=ip)
    return data


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
    version = session.get(BundleVersion, link.version_id)
    assert version is not None
    data = versions.files(store, version, final=True).get(which) if which in FILES else None
    if data is None:  # an unknown file, or the bundle of a letter-only response
        raise versions.VersionError("There is no such file in this response.")
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
class Finalising:
    """The approved version's finalisation job as the release section shows it."""

    status: str  # pending, queued, started, failed (finished: the version is approved)
    error: str | None
    done: int
    total: int

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class Preparing:
    """The newest "Prepare the response" job that has not yet given a version, as the release section shows it:
    an officer who pressed the button sees it waiting, running or failed (with why) rather than nothing."""

    status: str  # pending, queued, started, retrying, failed
    error: str | None
    since: datetime


@dataclass(frozen=True)
class Panel:
    state: versions.VersionState
    versions: list[BundleVersion]
    links: list[DownloadLink]
    downloads: list[Download]
    undecided: int
    can_prepare: bool  # in review, every record decided, and no version matches the decisions yet
    posts: list[PostItem]  # the released response's entries on the "to post" list
    finalising: Finalising | None  # the approved version's final PDFs are still being rendered
    names: dict[str, str]  # staff display names by actor reference (who prepared, who approved)
    preparing: Preparing | None = None  # a draft being prepared (or whose preparing failed)


def _preparing(session: Session, request_id: int, state: versions.VersionState) -> Preparing | None:
    """The newest prepare job of the request, unless it finished or a version is newer than it."""
    job = session.scalars(select(JobRun).where(JobRun.request_id == request_id, JobRun.name == versions.PREPARE_JOB)
                          .order_by(JobRun.created_at.desc()).limit(1)).first()
    if job is None or job.status == JobStatus.FINISHED:
        return None
    if state.version is not None and state.version.created_at >= job.created_at:
        return None
    return Preparing(status=job.status, error=_reason(job.error), since=job.started_at or job.created_at)


_EXCEPTION_PREFIX = re.compile(r"^(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception): ")


def _reason(error: str | None) -> str | None:
    """A failed job's error as an officer reads it: the message, without the exception's dotted class name."""
    return _EXCEPTION_PREFIX.sub("", error.strip().splitlines()[-1]) if error and error.strip() else error


def _finalising(session: Session, state: versions.VersionState) -> Finalising | None:
    version = state.version
    if version is None or not state.finalising:
        return None
    job: JobRun | None = finalise.latest_job(session, version)
    progress = version.render_progress or {}
    return Finalising(status=job.status if job else "pending", error=_reason(job.error) if job else None,
                      done=int(progress.get("done", 0)), total=int(progress.get("total", 0)))


def panel(session: Session, cipher: Cipher, request: RightsRequest, *, may_prepare: bool,
          state: versions.VersionState | None = None, undecided: int | None = None) -> Panel:
    """What the release section shows: versions, staleness, leak findings, finalisation, links, downloads and
    the print pack's place on the "to post" list. ``state`` and ``undecided``: the caller's own reading, when it
    has one (the case page's buttons are decided on the same one)."""
    from rights.redaction.decisions import undecided_count

    if undecided is None:
        undecided = undecided_count(session, request.id)
    if state is None:
        state = versions.state(session, cipher, request)
    posts = list(session.scalars(select(PostItem).where(PostItem.request_id == request.id,
                                                        PostItem.kind == post.PRINT_PACK).order_by(PostItem.id)))
    return Panel(state=state, versions=versions.versions(session, request.id),
                 links=links_of(session, request.id), downloads=downloads_of(session, request.id),
                 undecided=undecided,
                 can_prepare=may_prepare and request.status == "review" and not undecided and not state.ready,
                 posts=posts, finalising=_finalising(session, state), names=staff_names(session),
                 preparing=_preparing(session, request.id, state))
