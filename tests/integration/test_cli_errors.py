"""The ``rights`` command as a newcomer meets it: every failure below ends with one ``Error:`` line.

Each case runs the real entry point (``python -m rights``) in a subprocess with its own environment, so
what is checked is what a person at a terminal sees: the exit status and the single line, no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def rights(*args: str, env: dict[str, str] | None = None, tmp: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("RIGHTS_", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_BASE_URL"))}
    base.update({"RIGHTS_ENV": "development", "RIGHTS_UPLOAD_DIR": str(tmp / "uploads")})
    base.update(env or {})
    return subprocess.run([sys.executable, "-m", "rights", *args], cwd=ROOT, env=base, capture_output=True,
                          text=True, timeout=120)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line of output (stdout and stderr together); fails if there is more, or a traceback."""
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A migrated SQLite database seeded by ``rights demo --no-serve`` (four requests)."""
    tmp = tmp_path_factory.mktemp("cli")
    env = {"DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}"}
    result = rights("demo", "--no-serve", env=env, tmp=tmp)
    assert result.returncode == 0, result.stderr
    return tmp, env


def test_unmigrated_database(tmp_path: Path) -> None:
    result = rights("audit", "verify", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}, tmp=tmp_path)
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith("Error: the database at sqlite:///")
    assert "run `rights db upgrade` first" in line


def test_unreachable_database_hides_the_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://rights:s3cret@127.0.0.1:1/rights"
    result = rights("audit", "verify", env={"DATABASE_URL": url}, tmp=tmp_path)
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith("Error: cannot use the database at postgresql+psycopg://rights:***@127.0.0.1:1/rights")
    assert "s3cret" not in line
    assert "Check DATABASE_URL" in line


def test_production_settings_missing(tmp_path: Path) -> None:
    result = rights("audit", "verify", env={"RIGHTS_ENV": "production"}, tmp=tmp_path)
    assert result.returncode == 1
    assert one_line(result).startswith("Error: Refusing to start in production: SECRET_KEY must be set")


def test_keygen_needs_no_production_settings(tmp_path: Path) -> None:
    result = rights("keygen", env={"RIGHTS_ENV": "production"}, tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    key = one_line(result)
    assert len(key) == 44 and key.endswith("=")


@pytest.mark.parametrize("command", [["db", "upgrade", "--revision", "nope"], ["db", "downgrade", "nope"]])
def test_unknown_alembic_revision(tmp_path: Path, command: list[str]) -> None:
    result = rights(*command, env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, tmp=tmp_path)
    assert result.returncode == 2
    assert one_line(result).startswith("Error: unknown database revision: Can't locate revision identified by 'nope'")


def test_version_is_rights_desks(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = rights("--version", tmp=tmp_path)
    assert result.returncode == 0
    assert one_line(result) == f"Rights Desk {version('rights-desk')}"


def test_missing_sources_file(demo_db: tuple[Path, dict[str, str]]) -> None:
    tmp, env = demo_db
    missing = tmp / "no-such-sources.toml"
    result = rights("process", "SAR-2026-00001", env={**env, "RIGHTS_SOURCES": str(missing)}, tmp=tmp)
    assert result.returncode == 1
    assert one_line(result) == f"Error: The search cannot start: RIGHTS_SOURCES: {missing} does not exist"


def test_broken_sources_file(demo_db: tuple[Path, dict[str, str]]) -> None:
    tmp, env = demo_db
    broken = tmp / "broken.toml"
    broken.write_text("[[source]\n", encoding="utf-8")
    result = rights("process", "SAR-2026-00001", env={**env, "RIGHTS_SOURCES": str(broken)}, tmp=tmp)
    assert result.returncode == 1
    assert one_line(result).startswith(f"Error: The search cannot start: {broken}: not valid TOML")


def test_misspelt_service_in_sources_file(demo_db: tuple[Path, dict[str, str]]) -> None:
    tmp, env = demo_db
    path = tmp / "misspelt.toml"
    path.write_text('[[source]]\nname = "a"\nservice = "childrens_socal_care"\ntype = "folder"\n'
                    '[source.settings]\npath = "x"\n', encoding="utf-8")
    result = rights("process", "SAR-2026-00001", env={**env, "RIGHTS_SOURCES": str(path)}, tmp=tmp)
    assert result.returncode == 1
    line = one_line(result)
    assert "service 'childrens_socal_care' is not one of the privacy notice's services" in line
    assert "childrens_social_care" in line


def test_references_are_case_insensitive_and_log_does_not_search(demo_db: tuple[Path, dict[str, str]]) -> None:
    tmp, env = demo_db
    result = rights("process", "--log", "sar 2026 00002", env=env, tmp=tmp)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("Search log for SAR-2026-00002")
    assert "No systems have been searched yet." in result.stdout
    again = rights("process", "--log", "sar202600002", env=env, tmp=tmp)
    assert again.stdout == result.stdout  # reading the log twice searched nothing in between


def test_unknown_reference(demo_db: tuple[Path, dict[str, str]]) -> None:
    tmp, env = demo_db
    result = rights("process", "SAR-2026-09999", env=env, tmp=tmp)
    assert result.returncode == 1
    assert one_line(result) == "Error: no request with reference 'SAR-2026-09999'"


def test_demo_prints_its_references(tmp_path: Path) -> None:
    result = rights("demo", "--no-serve", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"}, tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "  SAR-2026-00001  access, received" in result.stdout.splitlines()


def test_demo_is_refused_in_production_in_one_line(tmp_path: Path) -> None:
    env = {"RIGHTS_ENV": "production", "SECRET_KEY": "x" * 40, "RIGHTS_ENCRYPTION_KEYS": _key(tmp_path),
           "RIGHTS_AUDIT_KEYS": _key(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/0",
           "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1/x"}
    result = rights("demo", "--no-serve", env=env, tmp=tmp_path)
    assert result.returncode == 1
    assert one_line(result) == ("Error: rights demo seeds published demo passwords; it never runs with "
                                "RIGHTS_ENV=production")


def _key(tmp_path: Path) -> str:
    return one_line(rights("keygen", tmp=tmp_path))
