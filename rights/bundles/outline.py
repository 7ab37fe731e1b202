"""Reading a PDF's bookmarks back: the completeness gate and the tests compare them with the index."""

from __future__ import annotations

import pikepdf


def outline_entries(pdf: pikepdf.Pdf) -> list[tuple[str, int, int]]:
    """Every bookmark as (title, 0-based page, level): for the gate and for tests."""
    pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
    found: list[tuple[str, int, int]] = []

    def walk(items: list[pikepdf.OutlineItem], level: int) -> None:
        for item in items:
            dest = item.destination
            if dest is None and item.action is not None:
                dest = item.action.get("/D")
            page = pages.get(dest[0].objgen, -1) if dest is not None and len(dest) else -1
            found.append((item.title, page, level))
            walk(item.children, level + 1)

    with pdf.open_outline() as outline:
        walk(outline.root, 1)
    return found
