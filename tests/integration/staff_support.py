"""Helpers for dashboard tests: staff accounts, real sign-in (password then TOTP), CSRF tokens.

Signing in always goes through the real forms, so every test that uses a signed-in client also
exercises the password check, the second factor and the session rotation.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyotp
import pytest

from rights.models import User, utcnow
from rights.security import cipher_for, hash_password

PASSWORD = "correct horse battery staple"
TODAY = date(2026, 3, 20)


@functools.cache
def _password_hash() -> str:
    """argon2 is deliberately slow (about half a second here): hash the shared test password once."""
    return hash_password(PASSWORD)


@dataclass(frozen=True)
class StaffLogin:
    id: int
    email: str
    password: str
    secret: str
    role: str

    def code(self, rt: Any, offset: int = 0) -> str:
        """A code the server has not seen yet (a later step than the last one used, within the window)."""
        with rt.db.transaction() as session:
            last = session.get(User, self.id).last_totp_step
        totp = pyotp.TOTP(self.secret)
        step = totp.timecode(utcnow()) + offset
        if last is not None and step <= last:
            step = last + 1
        return totp.generate_otp(step)


def make_staff(rt: Any, role: str, *, services: tuple[str, ...] = (), email: str | None = None,
               name: str | None = None, enrolled: bool = True) -> StaffLogin:
    secret = pyotp.random_base32()
    email = email or f"{role}.{pyotp.random_base32()[:6].lower()}@council.example"
    with rt.db.transaction() as session:
        user = User(email=email, name=name or f"Test {role}", role=role, services=list(services),
                    password_hash=_password_hash(),
                    totp_secret_enc=(cipher_for(rt.settings.encryption_keys).encrypt(secret.encode())
                                     if enrolled else None),
                    mfa_enrolled=enrolled, active=True)
        session.add(user)
        session.flush()
        user_id = user.id
    return StaffLogin(user_id, email, PASSWORD, secret, role)


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def csrf(client: Any, path: str) -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def sign_in(client: Any, rt: Any, login: StaffLogin) -> Any:
    """Password then code through the real pages; returns the final response (a redirect on success)."""
    token = csrf(client, "/staff/sign-in")
    response = client.post("/staff/sign-in", data={"csrf_token": token, "email": login.email,
                                                   "password": login.password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith("/staff/sign-in/code")
    token = csrf(client, "/staff/sign-in/code")
    return client.post("/staff/sign-in/code", data={"csrf_token": token, "code": login.code(rt)})


def signed_in_client(app: Any, rt: Any, login: StaffLogin) -> Any:
    client = app.test_client()
    response = sign_in(client, rt, login)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client


@pytest.fixture
def app(rt, settings):  # type: ignore[no-untyped-def]
    """The app on the test database, with "today" fixed and rate limits off (one test turns them on)."""
    from rights.web import create_app

    settings.extra = {**settings.extra, "RIGHTS_TODAY": TODAY.isoformat(), "RATELIMIT_ENABLED": False}
    application = create_app(settings, start_worker=False)
    application.config["WTF_CSRF_ENABLED"] = True
    return application
