"""``rights keys`` and ``rights retention`` as an operator runs them, on the demo's SQLite database: a real
rotation to a new key end to end (then the old key removed), the purge report, legal holds, and one
``Error:`` line for every mistyped input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rights.config import DEV_ENCRYPTION_KEY
from rights.security import generate_key
from tests.integration.test_cli_errors import one_line, rights


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("keys-cli")
    env = {"DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}"}
    result = rights("demo", "--no-serve", env=env, tmp=tmp)
    assert result.returncode == 0, result.stderr
    return tmp, env


def _reference(tmp: Path, env: dict[str, str]) -> str:
    result = rights("retention", "purge", "--dry-run", "--json", env=env, tmp=tmp)
    assert result.returncode == 0, result.stderr
    import sqlite3

    with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as conn:
        return str(conn.execute("SELECT reference FROM requests ORDER BY id LIMIT 1").fetchone()[0])


def test_a_rotation_to_a_new_key_then_the_old_key_removed(demo: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    source, _ = demo
    for part in source.glob("demo.db*"):  # a copy of its own: the other tests keep the development key
        shutil.copy(part, tmp_path / part.name)
    tmp, env = tmp_path, {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    reference = _reference(tmp, env)
    new = generate_key()
    both = {**env, "RIGHTS_ENCRYPTION_KEYS": f"{new},{DEV_ENCRYPTION_KEY}"}
    status = rights("keys", "status", "--json", env=both, tmp=tmp)
    assert status.returncode == 0 and set(json.loads(status.stdout)["parts"].values()) == {"not started"}
    result = rights("keys", "rotate", "--json", env=both, tmp=tmp)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["finished"] and report["totals"]["rotated"] > 50 and "unreadable" not in report["totals"]
    assert report["parts"]["table:people"]["rotated"] > 0 and report["parts"]["index:people"]["reindexed"] > 0
    again = rights("keys", "rotate", env=both, tmp=tmp)
    assert again.returncode == 0 and "already finished" in again.stdout
    only_new = {**env, "RIGHTS_ENCRYPTION_KEYS": new}
    shown = rights("case", "show", reference, "--json", env=only_new, tmp=tmp)  # names decrypt with the new key
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["reference"] == reference
    assert rights("audit", "verify", env=only_new, tmp=tmp).returncode == 0


def test_the_purge_reports_and_holds_are_placed_and_lifted(demo: tuple[Path, dict[str, str]]) -> None:
    tmp, env = demo
    result = rights("retention", "purge", "--dry-run", "--json", env=env, tmp=tmp)
    report = json.loads(result.stdout)
    assert report["dry_run"] and report["totals"]["cases"] == 0  # the demo's cases are all open
    assert report["rules"] == {"closed_case_days": 730, "id_document_days": 7}
    reference = _reference(tmp, env)
    held = rights("retention", "hold", reference.lower(), "--reason", "Claim against the council", env=env, tmp=tmp)
    assert held.returncode == 0 and held.stdout.strip() == f"{reference} is on legal hold"
    twice = rights("retention", "hold", reference, "--reason", "again", env=env, tmp=tmp)
    assert twice.returncode == 2 and one_line(twice) == f"Error: {reference} is already on hold."
    assert rights("retention", "lift", reference, env=env, tmp=tmp).returncode == 0
    lifted = rights("retention", "lift", reference, env=env, tmp=tmp)
    assert lifted.returncode == 2 and one_line(lifted) == f"Error: {reference} is not on hold."
    plain = rights("retention", "purge", env=env, tmp=tmp)
    assert plain.returncode == 0 and plain.stdout.startswith("retention (730 days after closure")


@pytest.mark.parametrize(("args", "says"), [
    (("keys", "rotate", "--limit", "abc"), "Error: --limit must be a whole number of rows of at least 1, not 'abc'"),
    (("keys", "rotate", "--limit", "0"), "Error: --limit must be a whole number of rows of at least 1, not '0'"),
    (("retention", "hold", "SAR-1999-99999", "--reason", "x"), "Error: no request with reference 'SAR-1999-99999'"),
    (("retention", "lift", "nonsense"), "Error: no request with reference 'nonsense'"),
])
def test_mistyped_input_gives_one_line(demo: tuple[Path, dict[str, str]], args: tuple[str, ...], says: str) -> None:
    tmp, env = demo
    result = rights(*args, env=env, tmp=tmp)
    assert result.returncode == 2 and one_line(result) == says


def test_a_hold_needs_a_reason(demo: tuple[Path, dict[str, str]]) -> None:
    tmp, env = demo
    result = rights("retention", "hold", _reference(tmp, env), env=env, tmp=tmp)
    assert result.returncode == 2
    assert one_line(result).startswith("Error: Say why the case is held")


def test_a_key_that_is_not_a_key_is_one_line(demo: tuple[Path, dict[str, str]]) -> None:
    tmp, env = demo
    result = rights("keys", "status", env={**env, "RIGHTS_ENCRYPTION_KEYS": "not-a-key"}, tmp=tmp)
    assert result.returncode == 1
    assert one_line(result).startswith("Error: RIGHTS_ENCRYPTION_KEYS: key 1 is not a Fernet key")
