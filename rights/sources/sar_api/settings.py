"""Building a sar-api connector from its ``[source.settings]`` table in the sources file."""


from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rights.sources.sar_api.auth import ClientCredentials, FixedToken
from rights.sources.sar_api.connector import (
    SarApiConnector,
)
from rights.sources.sar_api.contract import (
    DEFAULT_BACKOFF_SECONDS,
    DEFAULT_MAX_ATTACHMENT_MB,
    DEFAULT_RETRIES,
    ROLES,
)
from rights.sources.sar_api.people import InvolvedRule


# ---------------------------------------------------------------------- settings
def from_settings(*, name: str, service: str, settings: Any, timeout: float, base_dir: Path) -> SarApiConnector:
    base_url = settings.str("base_url", required=True)
    if not base_url.startswith(("https://", "http://")):
        raise settings.error("base_url", "must start with https:// (or http:// on a private network)")
    verify: bool | str = settings.get("verify_tls", bool, True)
    ca_bundle = settings.str("ca_bundle")
    if ca_bundle:
        path = Path(ca_bundle) if Path(ca_bundle).is_absolute() else base_dir / ca_bundle
        verify = str(path)
    auth = _auth_from(name, settings, verify, timeout)
    retries = settings.get("retries", int, DEFAULT_RETRIES)
    if retries < 0 or retries > 10:
        raise settings.error("retries", "must be between 0 and 10")
    backoff = settings.get("backoff_seconds", (int, float), DEFAULT_BACKOFF_SECONDS)
    if isinstance(backoff, bool) or backoff < 0:
        raise settings.error("backoff_seconds", "must be a number of seconds, 0 or more")
    max_mb = settings.get("max_attachment_mb", (int, float), DEFAULT_MAX_ATTACHMENT_MB)
    if isinstance(max_mb, bool) or max_mb <= 0:
        raise settings.error("max_attachment_mb", "must be a positive number")
    return SarApiConnector(name, service, base_url=base_url, auth=auth,
                           prn_scheme=settings.str("prn_scheme", "prn"), crn_scheme=settings.str("crn_scheme", "crn"),
                           verify=verify, timeout=timeout, retries=retries, backoff=float(backoff),
                           max_attachment_bytes=int(max_mb * 1024 * 1024), involved=_involved_from(settings))


def _auth_from(name: str, settings: Any, verify: bool | str, timeout: float) -> FixedToken | ClientCredentials:
    token_url = settings.str("token_url")
    client_id = settings.str("client_id")
    secret_env = settings.str("client_secret_env")
    scope = settings.str("scope")
    client_auth = settings.str("client_auth", "basic")
    token = settings.str("token")
    token_env = settings.str("token_env")
    if token_url or client_id or secret_env:
        if token or token_env:
            raise settings.error("token_url", "and token/token_env are alternatives: set one way of getting a token")
        for key, value in (("token_url", token_url), ("client_id", client_id), ("client_secret_env", secret_env)):
            if not value:
                raise settings.error(key, "is required for OAuth2 client credentials "
                                          "(token_url, client_id and client_secret_env together)")
        if not token_url.startswith(("https://", "http://")):
            raise settings.error("token_url", "must start with https:// (or http:// on a private network)")
        if client_auth not in ("basic", "body"):
            raise settings.error("client_auth", f"must be 'basic' or 'body', not {client_auth!r}")
        secret = os.environ.get(secret_env)
        if not secret:
            raise settings.error("client_secret_env", f"names the environment variable {secret_env}, which is not set")
        return ClientCredentials(token_url, client_id, secret, scope=scope, client_auth=client_auth, verify=verify,
                                 timeout=timeout, what=name)
    if scope:
        raise settings.error("scope", "only applies with token_url (OAuth2 client credentials)")
    if token_env:
        token = os.environ.get(token_env)
        if not token:
            raise settings.error("token_env", f"names the environment variable {token_env}, which is not set")
    if not token:
        raise settings.error("token_env", "is required (or token, or token_url with client_id and "
                                          "client_secret_env): the service needs a bearer token")
    return FixedToken(token)


def _involved_from(settings: Any) -> list[InvolvedRule]:
    raw = settings.get("involved", list, [])
    rules = []
    for index, entry in enumerate(raw, start=1):
        where = f"involved[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not entry["path"].strip():
            raise settings.error(where, 'must be a table with a path, e.g. '
                                        '{path = "*.authorName", role = "professional"}')
        unknown = sorted(set(entry) - {"path", "role", "job_title"})
        if unknown:
            raise settings.error(f"{where}.{unknown[0]}", "is not a known key (path, role, job_title)")
        role = entry.get("role", "other")
        if role not in ROLES:
            raise settings.error(f"{where}.role", f"must be one of {', '.join(sorted(ROLES))}, not {role!r}")
        job_title = entry.get("job_title")
        if job_title is not None and not isinstance(job_title, str):
            raise settings.error(f"{where}.job_title", "must be text")
        rules.append(InvolvedRule(path=entry["path"].strip(), role=role, job_title=job_title))
    return rules
