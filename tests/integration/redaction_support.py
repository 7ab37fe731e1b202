"""A request in review with gathered records written directly (text and involvements encrypted as the
search stores them), for the redaction tests: the mother and a neighbour are third parties, the social
worker a professional, and one record is a scan with no text layer."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select

from rights import cases, search
from rights.cases import Firing
from rights.models import GatheredRecord, RightsRequest, Role, SearchTask
from rights.permissions import Actor
from rights.security import cipher_for
from tests.factories import make_person, make_request
from tests.integration.staff_support import make_staff

MOTHER = {"name": "Joanne Hart", "role": "family_member", "job_title": None, "person_id": "P2",
          "address": "14 Elm Road, Leeds LS6 2AB"}
NEIGHBOUR = {"name": "Kyle Brook", "role": "other", "job_title": None, "person_id": "P3", "address": None}
WORKER = {"name": "Priya Shah", "role": "professional", "job_title": "social worker", "person_id": "P4",
          "address": None}
VISIT = ("Amelia Hart met her mother Joanne Hart at 14 Elm Road, Leeds LS6 2AB. Joanne said Kyle Brook shouted. "
         "Social worker Priya Shah visited.")
CALL = "Kyle Brook called on 07700 900982 about Amelia. Kyle was angry and mentioned the blue van."
SECRETS = ("Joanne Hart", "Kyle Brook", "07700 900982", "LS6 2AB")


def gathered_case(rt: Any, settings: Any, *, status: str = "review", person: dict[str, Any] | None = None,
                  **request_kw: Any) -> dict[str, Any]:
    """A request (subject Amelia Hart; ``person`` changes her details) with three gathered records; returns
    ids by name."""
    cipher = cipher_for(settings.encryption_keys)
    with rt.db.transaction() as session:
        request = make_request(session, subject=make_person(**(person or {})), **request_kw)
        request.status = status
        task = SearchTask(request_id=request.id, source="csc_notes", service="childrens_social_care",
                          source_type="folder", run_by="user:1", status="done")
        session.add(task)
        session.flush()

        def add(record_id: str, text: str | None, people: list[dict[str, Any]], on: date) -> int:
            row = GatheredRecord(
                request_id=request.id, task_id=task.id, source="csc_notes", record_id=record_id, person_id="P1",
                record_date=on, title=f"Case note {record_id}",
                text_enc=cipher.encrypt(text.encode()) if text is not None else None,
                involved_enc=cipher.encrypt(json.dumps(people).encode()), origin="connector", added_by="worker")
            session.add(row)
            session.flush()
            return row.id

        ids = {"visit": add("N-1", VISIT, [MOTHER, NEIGHBOUR, WORKER], date(2024, 1, 10)),
               "call": add("N-2", CALL, [NEIGHBOUR], date(2024, 2, 1)),
               "scan": add("N-3", None, [], date(2024, 3, 1))}
        return {"id": request.id, "reference": request.reference, **ids}

def settle_identity_and_searches(rt, request_id: int) -> None:  # type: ignore[no-untyped-def]
    """The release checks other than the records' (tests/integration/test_release_checks.py covers them)."""
    officer = Actor(make_staff(rt, "officer", email="checks.officer@council.example").id, Role.OFFICER.value)
    with rt.db.transaction() as session:
        cases.perform(session, rt.queue, session.get(RightsRequest, request_id), officer, "verify_id",
                      Firing(options={"method": "matched_to_records"}), today=date(2026, 3, 10))
        for task_id in session.scalars(select(SearchTask.id).where(SearchTask.request_id == request_id)).all():
            search.close_task(session, task_id, officer, "confirmed with the record holder by phone")


#: Written into the pixels of the scan ``attach_scan`` makes (no text layer), where a test marks a region.
SCAN_SECRET_BOX = (0.1, 0.1, 0.5, 0.08)  # left, top, width, height: the dark band drawn on every page


def scan_pdf(pages: int = 2) -> bytes:
    """An image-only PDF (a scan: no text layer), each page white with a dark band in SCAN_SECRET_BOX."""
    import io

    from PIL import Image, ImageDraw

    sheets = []
    for n in range(pages):
        sheet = Image.new("RGB", (850, 1100), (255, 255, 255))
        left, top, width, height = SCAN_SECRET_BOX
        ImageDraw.Draw(sheet).rectangle((left * 850, top * 1100, (left + width) * 850, (top + height) * 1100),
                                        fill=(40, 90, 160))
        ImageDraw.Draw(sheet).text((100, 600), f"page {n + 1}", fill=(0, 0, 0))
        sheets.append(sheet)
    out = io.BytesIO()
    sheets[0].save(out, "PDF", save_all=True, append_images=sheets[1:], resolution=100)
    return out.getvalue()


def attach_scan(rt: Any, settings: Any, record_id: int, pages: int = 2) -> None:
    """Give a gathered record (no text) a scanned PDF, stored encrypted as connectors store files."""
    data = scan_pdf(pages)
    key = rt.files.put(data)
    with rt.db.transaction() as session:
        row = session.get(GatheredRecord, record_id)
        row.file_key, row.file_name, row.content_type, row.file_size = key, "scan.pdf", "application/pdf", len(data)
