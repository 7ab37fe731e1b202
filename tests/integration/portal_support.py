"""The public portal through Flask's test client: the app (outbox-only mail, CSRF on) and a citizen's session.

Shared by the portal's journey and check-progress tests.
"""

from __future__ import annotations

import io
from typing import Any

from tests.integration.staff_support import csrf_from
from tests.portal_journeys import error_messages


def portal_app(settings: Any) -> Any:
    """The app as the portal tests want it: emails stay in the outbox, CSRF is on."""
    from rights.web import create_app

    settings.mail_backend = "outbox-only"
    application = create_app(settings, start_worker=False)
    application.config["WTF_CSRF_ENABLED"] = True
    return application


class Portal:
    """A citizen's browser session, through the test client."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            self._token = csrf_from(self.client.get("/progress").get_data(as_text=True))
        return self._token

    def get(self, path: str) -> Any:
        return self.client.get(path)

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
        return self.client.post(path, data={"csrf_token": self.token(), **data}, **kwargs)

    def answer(self, step: str, data: dict[str, Any], file: tuple[bytes, str] | None = None,
               change: bool = False) -> str:
        payload = dict(data)
        if file is not None:
            payload["file"] = (io.BytesIO(file[0]), file[1])
        response = self.post(f"/request/{step}" + ("?change=1" if change else ""), payload)
        html = response.get_data(as_text=True)
        assert response.status_code == 302, f"{step}: {response.status_code} {error_messages(html)}"
        return str(response.headers["Location"])

    def complete(self, steps: list[tuple[str, dict[str, Any]]],
                 files: dict[str, tuple[bytes, str]] | None = None) -> None:
        files = files or {}
        for step, data in steps:
            self.answer(step, data, files.get(step))

    def submit(self) -> Any:
        response = self.post("/request/check", {"declaration": "y"})
        assert response.status_code == 302, error_messages(response.get_data(as_text=True))
        assert response.headers["Location"].endswith("/request/confirmation")
        return self.get("/request/confirmation")


def prepare_codes(db: Any) -> int:
    """Run the check-progress jobs waiting, as a worker would: match the details typed, email the codes.

    The page itself only records the challenge (rights.progress.start_check), so that it takes the same
    time whether or not the details match; tests that read the code from the outbox run the job first.
    """
    from sqlalchemy import select

    from rights import jobs, progress
    from rights.models import JobRun

    with db.transaction() as session:
        waiting = session.scalars(select(JobRun.id).where(JobRun.name == progress.CODE_JOB,
                                                          JobRun.status.in_(("pending", "queued")))
                                  .order_by(JobRun.created_at)).all()
    for run_id in waiting:
        jobs.execute(db, run_id)
    return len(waiting)
