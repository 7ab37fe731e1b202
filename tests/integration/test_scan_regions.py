"""A scan (no text layer) redacted by page region, on PostgreSQL: regions checked against the scan's pages,
the record included with them, the disclosure fingerprint moving with each region, the bundle showing the
pages with the regions painted into the pixels, and the review page's views (page, page as disclosed,
adding and removing a region)."""

from __future__ import annotations

import io
from typing import Any

import pikepdf
import pypdf
import pytest
from PIL import Image
from sqlalchemy import select

from rights import audit
from rights.bundles import versions
from rights.errors import CaseError
from rights.models import AuditEvent, GatheredRecord, RightsRequest
from rights.redaction import decisions, regions, review, service
from rights.redaction.disclosure import disclosure_set
from rights.redaction.scans import Region
from rights.security import cipher_for
from tests.integration.redaction_support import SCAN_SECRET_BOX, attach_scan, gathered_case
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)

BAND = (40, 90, 160)  # the colour of SCAN_SECRET_BOX on every page of the test scan


@pytest.fixture
def case(rt, settings) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    found = gathered_case(rt, settings)
    attach_scan(rt, settings, found["scan"], pages=2)
    with rt.db.transaction() as session:
        service.propose_for_request(session, cipher_for(settings.encryption_keys), settings.secret_key, found["id"])
    return found


def band_colour(image: Image.Image) -> tuple[int, int, int]:
    left, top, width, height = SCAN_SECRET_BOX
    return image.convert("RGB").getpixel((int((left + width / 4) * image.width),
                                          int((top + height / 4) * image.height)))


def near(pixel: tuple[int, int, int], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 6 for a, b in zip(pixel, colour, strict=True))


def read_pages(rt, record_id: int, pages: range, actor: str = "user:test") -> None:  # type: ignore[no-untyped-def]
    """What the page view records when it shows an officer a page of the scan."""
    with rt.db.transaction() as session:
        record = session.get(GatheredRecord, record_id)
        for page in pages:
            audit.record(session, actor, "record.viewed", request_id=record.request_id,
                         target=f"gathered_record:{record_id}", detail={"page": page, "as": regions.PAGE_VIEWED})


def test_a_scan_is_included_only_once_every_page_has_been_read(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        with pytest.raises(CaseError, match="pages 1, 2 not opened yet"):
            decisions.include_record(session, case["id"], case["scan"], "user:test", files=rt.files)
        with pytest.raises(CaseError, match="from its review page"):
            decisions.include_record(session, case["id"], case["scan"], "user:test")  # no file store: not read
    read_pages(rt, case["scan"], range(1, 2))
    read_pages(rt, case["scan"], range(2, 3), actor="user:someone-else")  # another officer's reading is theirs
    with rt.db.transaction() as session:
        with pytest.raises(CaseError, match="page 2 not opened yet"):
            decisions.include_record(session, case["id"], case["scan"], "user:test", files=rt.files)
    read_pages(rt, case["scan"], range(2, 3))
    with rt.db.transaction() as session:
        decisions.include_record(session, case["id"], case["scan"], "user:test", files=rt.files)


def test_a_scan_is_included_with_its_regions_painted_into_the_bundles_pages(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    cipher = cipher_for(settings.encryption_keys)
    left, top, width, height = SCAN_SECRET_BOX
    read_pages(rt, case["scan"], range(1, 3))
    with rt.db.transaction() as session:
        with pytest.raises(CaseError, match="not in this scan"):
            regions.add_region(session, rt.files, case["id"], case["scan"], Region(3, 0.1, 0.1, 0.2, 0.2, "TP"),
                               "user:test")
        with pytest.raises(ValueError, match="unknown exemption code"):
            regions.add_region(session, rt.files, case["id"], case["scan"], Region(1, 0.1, 0.1, 0.2, 0.2, "NOPE"),
                               "user:test")
        decisions.withhold_record(session, case["id"], case["visit"], "TP", "user:test")
        decisions.withhold_record(session, case["id"], case["call"], "TP", "user:test")
        decisions.include_record(session, case["id"], case["scan"], "user:test", files=rt.files)  # nothing marked
        before = disclosure_set(session, cipher, case["id"])
        mistaken = regions.add_region(session, rt.files, case["id"], case["scan"],
                                      Region(2, 0.5, 0.5, 0.2, 0.2, "TP"), "user:test")
        regions.add_region(session, rt.files, case["id"], case["scan"],
                           Region(1, left - 0.01, top - 0.01, width + 0.02, height + 0.02, "SWHARM"), "user:test")
        both = disclosure_set(session, cipher, case["id"])
        regions.remove_region(session, case["id"], case["scan"], mistaken.id, "user:test")
        with pytest.raises(CaseError, match="not on this record"):
            regions.remove_region(session, case["id"], case["scan"], mistaken.id, "user:test")
        ds = disclosure_set(session, cipher, case["id"])
        assert len({before.fingerprint, both.fingerprint, ds.fingerprint}) == 3  # each change makes a new version
        (scan,) = ds.included
        assert scan.segments == [] and scan.scan is not None
        assert [(g.page, g.code) for g in scan.scan.regions] == [(1, "SWHARM")]
        report = review.report(session, cipher, case["id"])
        (listed,) = [r for r in report["records"] if r["id"] == case["scan"]]
        assert listed["decision"] == "include" and [g["code"] for g in listed["page_regions"]] == ["SWHARM"]
        rendered = versions.render_response(session, settings, session.get(RightsRequest, case["id"]), ds,
                                            draft=True)
    with rt.db.transaction() as session:  # the trail is written as the transaction commits
        actions = [a for (a,) in session.execute(select(AuditEvent.action).where(
            AuditEvent.action.like("redaction.region%")))]
    assert actions.count("redaction.region_added") == 2 and actions.count("redaction.region_removed") == 1

    with pikepdf.open(io.BytesIO(rendered.bundle)) as pdf:  # every image the file holds, once each
        pictures = [pikepdf.PdfImage(obj).as_pil_image() for obj in pdf.objects
                    if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"]
    scans_drawn = sorted((p for p in pictures if p.width > 500), key=lambda p: band_colour(p) != (0, 0, 0))
    assert len(scans_drawn) == 2  # the scan's two pages (nothing else in the bundle is that large)
    assert band_colour(scans_drawn[0]) == (0, 0, 0)  # page 1: the band is painted out in the pixels
    assert near(band_colour(scans_drawn[1]), BAND)  # page 2: nothing was marked there
    letter = " ".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(rendered.letter)).pages)
    assert "SWHARM" in letter  # the letter names the code used, as for a text redaction
    bundle = " ".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(rendered.bundle)).pages)
    assert "SWHARM" in bundle  # and so does the bundle's table of codes


def test_a_scan_without_a_file_can_only_be_withheld(rt, settings) -> None:  # type: ignore[no-untyped-def]
    found = gathered_case(rt, settings)
    with rt.db.transaction() as session:
        service.propose_for_request(session, cipher_for(settings.encryption_keys), settings.secret_key, found["id"])
        with pytest.raises(CaseError, match="withhold it"):
            decisions.include_record(session, found["id"], found["scan"], "user:test")
        with pytest.raises(CaseError, match="no PDF or image file"):
            regions.add_region(session, rt.files, found["id"], found["scan"], Region(1, 0.1, 0.1, 0.2, 0.2, "TP"),
                               "user:test")


def test_review_page_of_a_scan(app, rt, settings, case) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    base = f"/staff/cases/{case['reference']}/review/{case['scan']}"
    page = client.get(base).get_data(as_text=True)
    assert "Page 1 of 2" in page and "<svg" in page and f"{base}/pages/1" in page
    assert "Page 2 of 2" in client.get(f"{base}?page=9").get_data(as_text=True)  # clamped to the scan
    image = client.get(f"{base}/pages/1")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert near(band_colour(Image.open(io.BytesIO(image.data))), BAND)
    assert client.get(f"{base}/pages/3").status_code == 404
    token = csrf(client, base)
    left, top, width, height = (100 * v for v in SCAN_SECRET_BOX)
    form = {"csrf_token": token, "region-page": "1", "region-left": f"{left - 1}", "region-top": f"{top - 1}",
            "region-width": f"{width + 2}", "region-height": f"{height + 2}", "region-code": "TP"}
    for field, bad in (("region-left", "abc"), ("region-width", "150"), ("region-page", "0")):
        refused = client.post(f"{base}/regions", data={**form, field: bad})
        assert refused.status_code == 400 and "govuk-error-summary" in refused.get_data(as_text=True)
    off_page = client.post(f"{base}/regions", data={**form, "region-page": "5"}, follow_redirects=True)
    assert "Page 5 is not in this scan" in off_page.get_data(as_text=True)
    added = client.post(f"{base}/regions", data=form)
    assert added.status_code == 302 and added.headers["Location"].endswith("page=1#scan-page")
    page = client.get(base).get_data(as_text=True)
    assert "Regions (1)" in page and 'class="app-scan__region"' in page
    disclosed = client.get(f"{base}/pages/1?as=disclosed")
    assert band_colour(Image.open(io.BytesIO(disclosed.data))) == (0, 0, 0)
    preview = client.get(f"{base}/preview").get_data(as_text=True)
    assert f"{base}/pages/1?as=disclosed" in preview and f"{base}/pages/2?as=disclosed" in preview
    with rt.db.transaction() as session:
        (region,) = regions.regions_of(session, case["scan"])
        region_id = region.id
    assert client.post(f"{base}/regions/{region_id}/remove", data={"csrf_token": token, "page": "1"}).status_code == 302
    assert "No region is marked" in client.get(base).get_data(as_text=True)
    unread = client.post(f"{base}/include", data={"csrf_token": token, "accept_all": "no"}, follow_redirects=True)
    assert "page 2 not opened yet" in unread.get_data(as_text=True)  # this officer has only seen page 1
    assert client.get(f"{base}/pages/2").status_code == 200
    included = client.post(f"{base}/include", data={"csrf_token": token, "accept_all": "no"}, follow_redirects=True)
    assert "Record included" in included.get_data(as_text=True)
    holder = signed_in_client(app, rt, make_staff(rt, "record_holder", services=("childrens_social_care",)))
    assert holder.get(f"{base}/pages/1").status_code in (302, 403, 404)


def test_a_scanned_pdf_a_record_holder_uploads_can_be_redacted_by_region(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    """An upload with no text layer is a scan like any other: flagged, shown a page at a time, regions added."""
    from rights.models import GatheredRecord, RecordDecision
    from rights.search.holders import add_record_upload
    from tests.integration.redaction_support import scan_pdf

    holder = make_staff(rt, "record_holder", services=("childrens_social_care",))
    with rt.db.transaction() as session:
        task_id = session.get(GatheredRecord, case["scan"]).task_id
        record = add_record_upload(session, settings, task_id, holder.id, filename="referral-scan.pdf",
                                   data=scan_pdf(pages=3))
        record_id = record.id
        service.propose_for_request(session, cipher_for(settings.encryption_keys), settings.secret_key, case["id"])
    with rt.db.transaction() as session:
        flagged = session.scalars(select(RecordDecision).where(RecordDecision.record_id == record_id)).one()
        assert flagged.needs_officer
        uploaded = session.get(GatheredRecord, record_id)
        assert regions.pages_of(uploaded, rt.files) == 3
        regions.add_region(session, rt.files, case["id"], record_id, Region(3, 0.2, 0.2, 0.3, 0.3, "TP"), "user:test")
    read_pages(rt, record_id, range(1, 4))
    with rt.db.transaction() as session:
        decisions.include_record(session, case["id"], record_id, "user:test", files=rt.files)
