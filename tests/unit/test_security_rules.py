"""Security review, pure rules: download headers, the sign-in ``next`` target, what the audit keeps of an
unknown sign-in, production cookie and proxy settings, and templates that a strict CSP can serve."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from rights import config, users
from rights.security import generate_key
from rights.web.auth import _safe_next
from rights.web.helpers import content_disposition

GUNICORN_HEADER_VALUE = re.compile(r"[ \t\x21-\x7e\x80-\xff]*")


@pytest.mark.parametrize(
    ("name", "ascii_name", "full_name"),
    [
        ("passport.pdf", "passport.pdf", None),
        ("passport<script>.pdf", "passportscript.pdf", None),
        ("../../etc/passwd", "passwd", None),
        ("C:\\Users\\amy\\scan.png", "scan.png", None),
        ('a"; filename="evil.exe', "a filenameevil.exe", 'a filename=evil.exe'),
        ("line\r\nSet-Cookie: x=1.pdf", "lineSet-Cookie x1.pdf", "lineSet-Cookie x=1.pdf"),
        ("Zoë's café.pdf", "Zoes cafe.pdf", "Zoë's café.pdf"),
        ("паспорт.pdf", "document.pdf", "паспорт.pdf"),
        ("", "document", None),
        ("\u202efdp.exe", "fdp.exe", None),  # a right-to-left override would make it read "exe.pdf"
    ],
)
def test_content_disposition_is_an_attachment_any_server_can_send(name: str, ascii_name: str,
                                                                 full_name: str | None) -> None:
    header = content_disposition(name, "document")
    assert header.isascii() and GUNICORN_HEADER_VALUE.fullmatch(header)
    assert header.startswith(f'attachment; filename="{ascii_name}"')
    if full_name is None:
        assert "filename*" not in header
    else:
        assert unquote(header.split("filename*=UTF-8''", 1)[1]) == full_name


@pytest.mark.parametrize(
    ("target", "followed"),
    [
        ("/staff/cases/SAR-2026-00001", "/staff/cases/SAR-2026-00001"),
        ("/staff/cases?view=all", "/staff/cases?view=all"),
        ("https://evil.example/staff", None),
        ("//evil.example/staff", None),
        ("/\\evil.example", None),
        ("\\\\evil.example/staff", None),
        ("javascript:alert(1)", None),
        ("/request/check", None),
        ("", None),
        (None, None),
    ],
)
def test_sign_in_follows_next_only_to_a_dashboard_path(target: str | None, followed: str | None) -> None:
    assert _safe_next(target) == followed


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("ada@council.example", "unknown@council.example"),
        ("correct horse battery staple", "unknown"),
        ("P@ssw0rd!", "unknown"),  # a password with an @ is not mistaken for an address
        ("@council.example", "unknown"),
        ("x@" + "a" * 300 + ".example", "unknown"),
    ],
)
def test_an_unknown_sign_in_is_audited_by_its_domain_never_the_text_typed(typed: str, kept: str) -> None:
    assert users.unknown_target(typed) == kept


@pytest.fixture
def production_env(monkeypatch):  # type: ignore[no-untyped-def]
    for name, value in {"SECRET_KEY": "x" * 40, "RIGHTS_ENCRYPTION_KEYS": generate_key(),
                        "RIGHTS_AUDIT_KEYS": generate_key(), "REDIS_URL": "redis://127.0.0.1:6379/0",
                        "DATABASE_URL": "postgresql+psycopg://rights@db/rights"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RIGHTS_TRUSTED_PROXIES", raising=False)
    return monkeypatch


def test_production_session_cookie_is_host_only_secure_and_http_only(production_env) -> None:
    flask = config.load("production").as_flask()
    assert flask["SESSION_COOKIE_NAME"] == "__Host-session"
    assert flask["SESSION_COOKIE_SECURE"] is True and flask["SESSION_COOKIE_HTTPONLY"] is True
    assert flask["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert config.load("development").as_flask()["SESSION_COOKIE_NAME"] == "session"  # plain HTTP on a laptop


def test_forwarded_addresses_are_trusted_only_when_configured(production_env) -> None:
    assert config.load("production").trusted_proxies == 0
    production_env.setenv("RIGHTS_TRUSTED_PROXIES", "1")
    assert config.load("production").trusted_proxies == 1
    production_env.setenv("RIGHTS_TRUSTED_PROXIES", "-1")
    with pytest.raises(config.ConfigError, match="RIGHTS_TRUSTED_PROXIES"):
        config.load("production")


# --------------------------------------------------------------------------------------------------
# Templates under a strict CSP (no 'unsafe-inline'): nothing inline a browser would refuse or run.

# Email and PDF templates never reach a browser (the CSP governs pages only): PDFs are rendered by the
# locked-down WeasyPrint in rights.bundles.render, which fetches nothing but packaged assets.
TEMPLATES = sorted(p for p in (config.ROOT / "templates").rglob("*.html") if "email" not in p.parts)
INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "an inline style attribute"),
    (re.compile(r"<style", re.I), "a <style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) > 20


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(config.ROOT / "templates")))
def test_template_has_nothing_inline_and_every_script_carries_the_nonce(path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text()
    # PDF templates never reach a browser (WeasyPrint renders them behind its own locked fetcher), so the
    # CSP's inline rules do not apply to them; no template may mark data safe, PDF ones included.
    for pattern, what in INLINE if "pdf" not in path.parts else ():
        assert not pattern.search(text), f"{what} in {path.name}"
    for tag in re.findall(r"<script\b[^>]*>", text, re.I):
        assert 'nonce="{{ cspNonce }}"' in tag, f"a script without the CSP nonce in {path.name}: {tag}"
    assert "|safe" not in text.replace(" ", ""), f"|safe in {path.name}"
