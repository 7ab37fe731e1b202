"""Driving the public portal in Chromium like a person with a keyboard: fill, choose, continue.

Shared by the portal's own browser tests and by the dashboard tests that start from a portal request.
"""

from __future__ import annotations

from typing import Any


class Citizen:
    """Drives the portal like a person with a keyboard: fill, choose, continue."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.dialogs: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def fill(self, data: dict[str, Any]) -> None:
        page = self.page
        for name, value in data.items():
            if name == "file":
                content, filename = value
                page.set_input_files('input[name="file"]', files=[
                    {"name": filename, "mimeType": "application/pdf", "buffer": content}])
            elif name == "date":
                for part, text in zip(("day", "month", "year"), value, strict=True):
                    page.fill(f"#date-{part}", text)
            elif name == "action":
                continue
            else:
                locator = page.locator(f'[name="{name}"]')
                kind = locator.first.get_attribute("type")
                if kind in ("radio", "checkbox"):
                    for box in page.locator(f'[name="{name}"]:checked').all():
                        box.uncheck() if kind == "checkbox" else None
                    for v in value if isinstance(value, list) else [value]:
                        page.check(f'input[name="{name}"][value="{v}"]')
                else:
                    locator.fill(value)

    def continue_(self) -> None:
        with self.page.expect_navigation():
            self.page.locator("main form").last.locator("button.govuk-button").first.click()

    def answer(self, data: dict[str, Any]) -> None:
        self.fill(data)
        self.continue_()

    def expect_errors(self) -> list[str]:
        page = self.page
        assert page.title().startswith("Error: "), page.title()
        summary = page.locator(".govuk-error-summary")
        assert summary.is_visible()
        links = summary.locator("a")
        for i in range(links.count()):  # every link reaches a field on the page
            target = links.nth(i).get_attribute("href")
            assert page.locator(target).count() == 1, target
        return [t.strip() for t in links.all_inner_texts()]
