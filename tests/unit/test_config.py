"""Production refuses settings that would expose citizens' data; other profiles start with defaults."""

from __future__ import annotations

import pytest

from rights import config
from rights.security import generate_key

GOOD = {
    "SECRET_KEY": "x" * 40,
    "RIGHTS_ENCRYPTION_KEYS": generate_key(),
    "RIGHTS_AUDIT_KEYS": generate_key(),
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DATABASE_URL": "postgresql+psycopg://rights@db/rights",
}


@pytest.fixture
def clean_env(monkeypatch):  # type: ignore[no-untyped-def]
    for name in ("SECRET_KEY", "RIGHTS_ENCRYPTION_KEYS", "RIGHTS_AUDIT_KEYS", "REDIS_URL", "DATABASE_URL",
                 "RIGHTS_ENV"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set"),
        ("RIGHTS_ENCRYPTION_KEYS", "RIGHTS_ENCRYPTION_KEYS must hold"),
        ("RIGHTS_AUDIT_KEYS", "RIGHTS_AUDIT_KEYS must hold"),
        ("REDIS_URL", "REDIS_URL must be set"),
        ("DATABASE_URL", "DATABASE_URL must point at PostgreSQL"),
    ],
)
def test_production_refuses_to_start_without(clean_env, missing: str, message: str) -> None:
    for name, value in GOOD.items():
        if name != missing:
            clean_env.setenv(name, value)
    with pytest.raises(config.ConfigError, match=message):
        config.load("production")


def test_production_refuses_the_development_secret_and_key(clean_env) -> None:
    for name, value in GOOD.items():
        clean_env.setenv(name, value)
    clean_env.setenv("SECRET_KEY", config.DEV_SECRET)
    clean_env.setenv("RIGHTS_ENCRYPTION_KEYS", config.DEV_ENCRYPTION_KEY)
    with pytest.raises(config.ConfigError) as err:
        config.load("production")
    assert "SECRET_KEY" in str(err.value) and "RIGHTS_ENCRYPTION_KEYS" in str(err.value)


def test_production_refuses_an_audit_key_that_is_also_an_encryption_key(clean_env) -> None:
    """An encryption key is retired after rotation; the audit key must outlive the entries it signed."""
    for name, value in GOOD.items():
        clean_env.setenv(name, value)
    clean_env.setenv("RIGHTS_AUDIT_KEYS", f"{generate_key()},{GOOD['RIGHTS_ENCRYPTION_KEYS']}")
    with pytest.raises(config.ConfigError, match="must not reuse an encryption key"):
        config.load("production")


def test_audit_keys_must_be_keys(clean_env) -> None:
    clean_env.setenv("RIGHTS_AUDIT_KEYS", "short")
    with pytest.raises(config.ConfigError, match="RIGHTS_AUDIT_KEYS: key 1"):
        config.load("development")


def test_production_starts_with_proper_settings(clean_env) -> None:
    for name, value in GOOD.items():
        clean_env.setenv(name, value)
    s = config.load("production")
    assert s.as_flask()["SESSION_COOKIE_SECURE"] is True
    assert s.ratelimit_storage_uri == GOOD["REDIS_URL"]


def test_development_defaults_to_sqlite_and_in_process_jobs(clean_env) -> None:
    s = config.load("development")
    assert s.database_url.startswith("sqlite:///")
    assert s.redis_url is None and s.demo is True


def test_unknown_profile_and_bad_numbers_are_explained(clean_env) -> None:
    with pytest.raises(config.ConfigError, match="RIGHTS_ENV"):
        config.load("staging")
    clean_env.setenv("RIGHTS_MAX_UPLOAD_MB", "ten")
    with pytest.raises(config.ConfigError, match="RIGHTS_MAX_UPLOAD_MB"):
        config.load("development")


def test_demo_refuses_production(clean_env) -> None:
    """The demo seeds accounts with published passwords: never in production."""
    from click.testing import CliRunner

    from rights.cli import main

    for name, value in GOOD.items():
        clean_env.setenv(name, value)
    clean_env.setenv("RIGHTS_ENV", "production")
    result = CliRunner().invoke(main, ["demo", "--no-serve"])
    assert result.exit_code != 0
    assert "never runs with RIGHTS_ENV=production" in result.output


@pytest.mark.parametrize(("environ", "refused"), [
    ({"SERVER_SOFTWARE": "gunicorn/23.0.0"}, True),
    ({"SERVER_SOFTWARE": "gunicorn/23.0.0", "RIGHTS_ENV": " "}, True),
    ({"SERVER_SOFTWARE": "gunicorn/23.0.0", "RIGHTS_ENV": "production"}, False),
    ({"SERVER_SOFTWARE": "gunicorn/23.0.0", "RIGHTS_ENV": "development"}, False),
    ({}, False),  # flask run, rights demo, tests
    ({"SERVER_SOFTWARE": "Werkzeug/3.1"}, False),
])
def test_gunicorn_needs_an_explicit_profile(environ: dict[str, str], refused: bool) -> None:
    if refused:
        with pytest.raises(config.ConfigError, match="RIGHTS_ENV"):
            config.check_server(environ)
    else:
        config.check_server(environ)


def test_create_app_refuses_under_gunicorn_without_a_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    from rights.web import create_app

    monkeypatch.setenv("SERVER_SOFTWARE", "gunicorn/23.0.0")
    monkeypatch.delenv("RIGHTS_ENV", raising=False)
    with pytest.raises(config.ConfigError, match="Refusing to serve under gunicorn"):
        create_app()


def test_rate_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIGHTS_RATE_LIMIT_SUBMIT", "100 per minute;1000 per hour")
    flask = config.load("test").as_flask()
    assert flask["PORTAL_LIMIT_SUBMIT"] == "100 per minute;1000 per hour"
    assert flask["AUTH_LIMIT_SIGN_IN"] == config.RATE_LIMITS["AUTH_LIMIT_SIGN_IN"][1]  # unset: the default
    monkeypatch.setenv("RIGHTS_RATE_LIMIT_SIGN_IN", "lots")
    with pytest.raises(config.ConfigError, match="RIGHTS_RATE_LIMIT_SIGN_IN must be limits"):
        config.load("test")
