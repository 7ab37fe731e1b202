"""Tokens for a sar-api service: a fixed bearer token, or OAuth2 client credentials renewed before expiry."""


from __future__ import annotations

import threading
import time
from collections.abc import Callable

import requests

from rights.sources.base import (
    NotSearchable,
    SourceError,
)
from rights.sources.sar_api.contract import (
    DEFAULT_TIMEOUT_SECONDS,
    TOKEN_MARGIN,
)


# ---------------------------------------------------------------------- tokens
class FixedToken:
    """A bearer token given in the settings; it cannot be renewed, so a 401 is final."""

    renewable = False

    def __init__(self, token: str) -> None:
        self._token = token

    def token(self) -> str:
        return self._token

    def invalidate(self) -> None:
        return None


class ClientCredentials:
    """An OAuth2 client-credentials token (HMPPS Auth and the like), cached until shortly before it expires.

    The service checks the token's roles (``SAR_DATA_ACCESS``); roles are granted to the client in the
    token service, and ``scope`` is sent only when set.
    """

    renewable = True

    def __init__(self, token_url: str, client_id: str, client_secret: str, *, scope: str | None = None,
                 client_auth: str = "basic", verify: bool | str = True, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 http: requests.Session | None = None, clock: Callable[[], float] = time.monotonic,
                 what: str = "sar-api") -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.client_auth = client_auth
        self.verify = verify
        self.timeout = timeout
        self._http = http or requests.Session()
        self._clock = clock
        self._what = what
        self._cached: tuple[str, float] | None = None  # (token, renew after)
        self._lock = threading.Lock()
        self.issued = 0  # tokens fetched, for the search log and tests

    def __repr__(self) -> str:  # never show the secret or the token
        return f"ClientCredentials({self.token_url!r}, client_id={self.client_id!r})"

    def token(self) -> str:
        with self._lock:
            now = self._clock()
            if self._cached is not None and now < self._cached[1]:
                return self._cached[0]
            token, lifetime = self._fetch()
            margin = min(TOKEN_MARGIN, lifetime / 2)
            self._cached = (token, now + lifetime - margin)
            self.issued += 1
            return token

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None

    def _fetch(self) -> tuple[str, float]:
        data = {"grant_type": "client_credentials"}
        if self.scope:
            data["scope"] = self.scope
        auth: tuple[str, str] | None = (self.client_id, self._secret)
        if self.client_auth == "body":
            data.update(client_id=self.client_id, client_secret=self._secret)
            auth = None
        try:
            response = self._http.post(self.token_url, data=data, auth=auth, timeout=self.timeout,
                                       verify=self.verify, allow_redirects=False,
                                       headers={"Accept": "application/json"})
        except requests.Timeout as exc:
            raise SourceError(f"{self._what}: the token service gave no answer within {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise SourceError(f"{self._what}: could not reach the token service: {exc.__class__.__name__}") from exc
        if 400 <= response.status_code < 500:
            raise NotSearchable(f"{self._what}: the token service refused our client credentials "
                                f"(HTTP {response.status_code}); check client_id and its secret")
        if response.status_code != 200:
            raise SourceError(f"{self._what}: the token service answered HTTP {response.status_code}")
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 300)
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(f"{self._what}: the token service's answer has no access_token") from exc
        return token, max(lifetime, 1.0)
