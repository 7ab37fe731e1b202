"""What a scheduled rule may know of the world (kept apart so the rules and the table import it freely)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rights.config import Settings


@dataclass(frozen=True)
class RunContext:
    """What a scheduled rule may know of the world: the London date and instant it runs for, the settings.

    Rules never read the system clock; the runner passes the period's date, the simulator any date.
    """

    today: date
    now: datetime
    settings: Settings

    @property
    def staff_url(self) -> str:
        return f"{self.settings.public_base_url}/staff"

    def case_url(self, reference: str) -> str:
        return f"{self.staff_url}/cases/{reference}"


__all__ = ["RunContext"]
