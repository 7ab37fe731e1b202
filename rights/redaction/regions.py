"""Officers' decisions on scans: rectangles marked on a scan's pages, each under an exemption code.

A scan (a record with no text layer) cannot be checked by the detectors, so nothing is proposed: the officer
reads its pages, marks every region to remove, and includes it (or withholds it whole). Regions are added
accepted, like an officer's text redaction, and the bundle paints them into the pages' pixels
(:mod:`rights.redaction.scans`). Adding or removing a region changes the request's disclosure fingerprint,
so a prepared version goes stale and cannot be released.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rights import audit
from rights.errors import CaseError
from rights.models import AuditEvent, GatheredRecord, PageRegion, utcnow
from rights.redaction import scans
from rights.redaction.codes import check_code
from rights.redaction.decisions import _editable, _record
from rights.redaction.scans import Region
from rights.security import EncryptedStore


def regions_of(session: Session, record_id: int) -> list[PageRegion]:
    """The record's regions by page, then top to bottom."""
    return list(session.scalars(select(PageRegion).where(PageRegion.record_id == record_id)
                                .order_by(PageRegion.page, PageRegion.top, PageRegion.left, PageRegion.id)))


def as_regions(rows: list[PageRegion]) -> tuple[Region, ...]:
    return tuple(Region(r.page, r.left, r.top, r.width, r.height, r.code) for r in rows)


def scan_file(record: GatheredRecord, files: EncryptedStore) -> bytes:
    """The scan's original file, decrypted; refused when the record has none the page view can show."""
    if not record.file_key or not scans.can_show(record.content_type):
        raise CaseError("This record has no PDF or image file to show, so it can only be withheld.")
    return files.get(record.file_key)


def pages_of(record: GatheredRecord, files: EncryptedStore) -> int:
    """How many pages the scan has (refused, with the reason, for a scan that cannot be shown)."""
    try:
        return scans.page_count(scan_file(record, files), record.content_type)
    except scans.ScanError as exc:
        raise CaseError(str(exc)) from exc


#: How the page view records that an officer opened one page of a scan as scanned (``record.viewed``).
PAGE_VIEWED = "scan page"


def unread_pages(session: Session, actor: str, record: GatheredRecord, pages: int) -> list[int]:
    """The pages of the scan ``actor`` has not opened as scanned (by the audit trail of the page view)."""
    details = session.scalars(select(AuditEvent.detail).where(
        AuditEvent.request_id == record.request_id, AuditEvent.actor == actor,
        AuditEvent.action == "record.viewed", AuditEvent.target == f"gathered_record:{record.id}"))
    seen = {d.get("page") for d in details if d and d.get("as") == PAGE_VIEWED}
    return [n for n in range(1, pages + 1) if n not in seen]


def check_read(session: Session, files: EncryptedStore | None, record: GatheredRecord, actor: str) -> None:
    """Refuse to include a scan until the officer including it has opened every page.

    Why: nothing reads a scan's words, so the officer is the only check that a foster carer's address or
    another child's name is not on page 7; including what no one has looked at would disclose it unread.
    """
    if files is None:
        raise CaseError("A scan is included from its review page, once every page has been read.")
    unread = unread_pages(session, actor, record, pages_of(record, files))
    if unread:
        listed = ", ".join(str(n) for n in unread[:10]) + (" and more" if len(unread) > 10 else "")
        raise CaseError(f"Read every page of the scan before including it: page{'s' if len(unread) > 1 else ''} "
                        f"{listed} not opened yet.")


def add_region(session: Session, files: EncryptedStore, request_id: int, record_id: int, region: Region,
               actor: str, *, ip: str | None = None) -> PageRegion:
    """Mark one rectangle of one page for removal under ``region.code`` (checked against the scan's pages)."""
    _editable(session, request_id)
    code = check_code(region.code)
    record = _record(session, request_id, record_id)
    try:
        scans.check_region(region, pages_of(record, files))
    except scans.ScanError as exc:
        raise CaseError(str(exc)) from exc
    row = PageRegion(request_id=request_id, record_id=record.id, page=region.page, left=region.left,
                     top=region.top, width=region.width, height=region.height, code=code, added_by=actor,
                     added_at=utcnow())
    session.add(row)
    session.flush()
    audit.record(session, actor, "redaction.region_added", request_id=request_id,
                 target=f"gathered_record:{record.id}", detail={"code": code, "page": region.page}, ip=ip)
    return row


def remove_region(session: Session, request_id: int, record_id: int, region_id: int, actor: str, *,
                  ip: str | None = None) -> None:
    _editable(session, request_id)
    record = _record(session, request_id, record_id)
    removed = session.execute(delete(PageRegion).where(PageRegion.id == region_id,
                                                       PageRegion.record_id == record.id))
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise CaseError("That region is not on this record (it may have been removed already).")
    audit.record(session, actor, "redaction.region_removed", request_id=request_id,
                 target=f"gathered_record:{record.id}", detail={"region": region_id}, ip=ip)
