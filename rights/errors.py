"""The domain's refusals, shared by the case and search services; the web layer maps each to a page.

Why not inside :mod:`rights.cases`: the search services raise the same refusals and sit below the case
services (starting a search is a case action), so the errors live beneath both.

Imports: :mod:`rights.workflow` (a refused workflow event becomes a :class:`CaseError`).
"""

from __future__ import annotations

from rights.workflow import WorkflowError


class CaseError(ValueError):
    """An action was refused or its input is invalid. ``code``: state, role, guard, input, unknown."""

    def __init__(self, message: str, code: str = "input", field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field

    @classmethod
    def from_workflow(cls, exc: WorkflowError) -> CaseError:
        return cls(str(exc), exc.code, exc.field)


class CaseNotFound(LookupError):
    pass


class CaseAccessDenied(PermissionError):
    """This member of staff may not see this case (another service's case, or an administrator)."""


class OtherCase(CaseNotFound):
    """The object exists but belongs to another case than the one in the URL: answered as not found
    (it says nothing about the other case), but a probe, not a typo, so the web layer audits it."""


class SearchError(ValueError):
    """A search action that cannot be done as asked (the message says why, for the officer)."""


__all__ = ["CaseAccessDenied", "CaseError", "CaseNotFound", "OtherCase", "SearchError"]
