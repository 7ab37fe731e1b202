"""Every setting Rights Desk reads, in one place, from the environment.

One variable, ``RIGHTS_ENV`` (development, test or production), picks the profile; every other setting
is an environment variable with a profile default. Production refuses to start on a default secret or
without an encryption key: a council must never run with keys anyone can read in this repository.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-insecure-secret-key"  # noqa: S105 - a marker production refuses
# A fixed Fernet key for the demo and tests only; production must set RIGHTS_ENCRYPTION_KEYS.
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktaW5zZWN1cmUta2V5LWRvLW5vdC11c2U="


#: Rate limits (Flask-Limiter strings): Flask config key -> (environment variable, default). The portal's
#: limit what one address may submit, upload or try at the progress check; sign-in's is a coarse limit per
#: address (guessing is slowed per address, email and device by rights.users.throttle, which a per-account
#: limit here would undo: anyone could use it up to keep an officer out). A load test or a council with many
#: users behind one address sets them without patching code.
RATE_LIMITS: dict[str, tuple[str, str]] = {
    "PORTAL_LIMIT_SUBMIT": ("RIGHTS_RATE_LIMIT_SUBMIT", "10 per hour;3 per minute"),
    "PORTAL_LIMIT_UPLOAD": ("RIGHTS_RATE_LIMIT_UPLOAD", "30 per hour;10 per minute"),
    "PORTAL_LIMIT_CODE_REQUEST": ("RIGHTS_RATE_LIMIT_CODE_REQUEST", "10 per hour;5 per 15 minutes"),
    "PORTAL_LIMIT_CODE_CHECK": ("RIGHTS_RATE_LIMIT_CODE_CHECK", "20 per hour;10 per 15 minutes"),
    "AUTH_LIMIT_SIGN_IN": ("RIGHTS_RATE_LIMIT_SIGN_IN", "30 per minute"),
}
_RATE = re.compile(r"\d+\s*(per|/)\s*(\d+\s*)?(second|minute|hour|day|month|year)s?", re.IGNORECASE)


class ConfigError(RuntimeError):
    """The environment cannot start this profile; the message says which variable and why."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Settings:
    """Typed settings; `as_flask()` maps them onto Flask's config keys."""

    env: str
    database_url: str
    redis_url: str | None
    queue_name: str
    secret_key: str
    encryption_keys: list[str]
    #: Keys of the audit trail's HMAC chain (RIGHTS_AUDIT_KEYS, newest first), a root apart from the
    #: encryption keys: an audit key is kept as long as the entries it signed, an encryption key is retired
    #: after ``rights keys rotate``. Outside production the development encryption key stands in.
    audit_keys: list[str]
    public_base_url: str
    sources_file: str | None
    mail_backend: str  # smtp | notify | outbox-only
    smtp_host: str
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    mail_from: str
    notify_api_key: str | None
    notify_template_id: str | None
    notify_base_url: str
    upload_dir: str
    max_upload_bytes: int
    session_idle_minutes: int
    staff_idle_minutes: int
    ratelimit_storage_uri: str
    council_name: str
    demo: bool
    testing: bool = False
    # How a requester reaches the council's information governance team: on the start and confirmation
    # pages, in every email and letter. Settings, so each council sets its own without editing templates.

    #: Reverse proxies in front of the app (RIGHTS_TRUSTED_PROXIES). Rate limits and the audit trail key on
    #: the client's address: behind a proxy that is the proxy's, so every citizen would share one limit,
    #: unless the proxies' X-Forwarded-For is trusted. 0 (the default) trusts no forwarded header at all.
    trusted_proxies: int = 0
    #: One GOV.UK Notify template id per message kind (NOTIFY_TEMPLATE_IDS, "kind=id,kind=id"); a kind not
    #: listed goes through the generic NOTIFY_TEMPLATE_ID with ((subject)) and ((body)).
    notify_template_ids: dict[str, str] = field(default_factory=dict)
    #: Scheduled work (rights.schedule): days before a requester is reminded of evidence or clarification
    #: asked for, days after the request before an unanswered case is closed (the reminder gives notice),
    #: and the on-time target the reports chart draws (percent).
    evidence_reminder_days: int = 14
    close_unanswered_days: int = 28
    ontime_target: int = 90
    #: PDF rendering (rights.bundles): worker processes per bundle job, and the wall-time and address-space
    #: limits each rendering process runs under, so a hostile or huge record cannot hang or exhaust a worker.
    #: One worker by default: chunking alone already beats one-pass WeasyPrint (whose cost grows faster than
    #: the page count), and each extra worker adds about 80 MB for as long as the job runs, while the box
    #: also serves the web app and other jobs. Raise it where cores and memory are free and bundles are big.
    bundle_workers: int = 1
    #: Responses (letter and bundle, draft and final) as PDF/A-2b (RIGHTS_PDF_A): for councils whose records
    #: policy keeps what they send in an archival format. Off by default: the files are larger (every font
    #: embedded with an output intent) and a requester's reader does not need it.
    pdf_a: bool = False
    render_timeout_seconds: int = 300
    render_memory_mb: int = 2048
    #: Days a released response's download link works (RIGHTS_DOWNLOAD_DAYS).
    download_days: int = 28
    #: Reading documents (rights.sources.document_limits): the most text kept from one document, and the
    #: wall-time and address-space limits of the process that parses it, so a hostile file cannot take
    #: down a web request or a worker.
    document_max_text_chars: int = 2_000_000
    document_timeout_seconds: int = 30
    document_memory_mb: int = 512
    #: The portal's and sign-in's rate limits (Flask-Limiter strings such as "10 per minute"), so a load
    #: test or a busy council can change them without patching code. Empty means the built-in default.
    rate_limits: dict[str, str] = field(default_factory=dict)
    #: Retention (rights.retention): days a closed case is kept after closure before it is purged (two years),
    #: and days a proof of identity is kept after the identity was verified (or the case closed unverified).
    retention_closed_days: int = 730
    retention_id_days: int = 7
    #: Where the schedule appends the audit trail's signed checkpoints (rights.audit.checkpoints); keep a
    #: copy off the server (a log shipper reads it, and every line is also logged).
    audit_checkpoint_file: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def as_flask(self) -> dict[str, object]:
        return {
            "SECRET_KEY": self.secret_key,
            "TESTING": self.testing,
            "MAX_CONTENT_LENGTH": self.max_upload_bytes * 3 + 1024 * 1024,
            "SESSION_COOKIE_SECURE": self.env == "production",
            # __Host-: HTTPS only, this host only, no Domain, so a sibling subdomain of the council's cannot
            # plant a cookie (say, a portal draft it can read back) in a citizen's or officer's browser.
            "SESSION_COOKIE_NAME": "__Host-session" if self.env == "production" else "session",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "PREFERRED_URL_SCHEME": "https" if self.env == "production" else "http",
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            # Explicit: Flask-Limiter's one Limiter otherwise keeps "disabled" from an earlier app in the process.
            "RATELIMIT_ENABLED": True,
            **{key: self.rate_limits.get(key) or default for key, (_var, default) in RATE_LIMITS.items()},
            "RIGHTS": self,
            **self.extra,
        }


def check_server(environ: Mapping[str, str]) -> None:
    """Refuse to serve under gunicorn when no profile was chosen.

    Why: without ``RIGHTS_ENV`` the profile is development, whose secret key is in this repository; a real
    server started that way would sign cookies anyone can forge. gunicorn's arbiter puts its name in the
    process environment (``SERVER_SOFTWARE``) before it loads the app.
    """
    if "gunicorn" in environ.get("SERVER_SOFTWARE", "").lower() and not environ.get("RIGHTS_ENV", "").strip():
        raise ConfigError("Refusing to serve under gunicorn without RIGHTS_ENV: set RIGHTS_ENV=production "
                          "(or development, knowingly, for a trial on a private machine).")


def load(env: str | None = None, **overrides: object) -> Settings:
    """Build settings for a profile from the environment; overrides win (tests use them)."""
    env = (env or _env("RIGHTS_ENV", "development") or "development").lower()
    if env not in {"development", "test", "production"}:
        raise ConfigError(f"RIGHTS_ENV must be development, test or production, not {env!r}")
    var = ROOT / "var"
    default_db = f"sqlite:///{var / 'rights-desk.db'}" if env != "test" else "postgresql+psycopg://postgres@127.0.0.1:5432/rights_test"
    redis_url = _env("REDIS_URL")
    dev_keys = [] if env == "production" else [DEV_ENCRYPTION_KEY]
    settings = Settings(
        env=env,
        database_url=_env("DATABASE_URL", default_db) or default_db,
        redis_url=redis_url,
        queue_name=_env("RIGHTS_QUEUE", "rights") or "rights",
        secret_key=_env("SECRET_KEY", DEV_SECRET) or DEV_SECRET,
        encryption_keys=_keys("RIGHTS_ENCRYPTION_KEYS", dev_keys),
        audit_keys=_keys("RIGHTS_AUDIT_KEYS", dev_keys),
        # A checkpoint file belongs to one database: production's default sits beside the deployment; elsewhere
        # (the demo, tests, scratch databases) none is kept unless one is named.
        audit_checkpoint_file=_env("RIGHTS_AUDIT_CHECKPOINT_FILE",
                                   str(var / "audit-checkpoints.jsonl") if env == "production" else "") or "",
        public_base_url=(_env("PUBLIC_BASE_URL", "http://127.0.0.1:5000") or "").rstrip("/"),
        sources_file=_env("RIGHTS_SOURCES"),
        mail_backend=_env("MAIL_BACKEND", "smtp" if _env("SMTP_HOST") else "outbox-only") or "outbox-only",
        smtp_host=_env("SMTP_HOST", "127.0.0.1") or "127.0.0.1",
        smtp_port=_int("SMTP_PORT", 25),
        smtp_username=_env("SMTP_USERNAME"),
        smtp_password=_env("SMTP_PASSWORD"),
        smtp_starttls=_bool("SMTP_STARTTLS", env == "production"),
        mail_from=_env("MAIL_FROM", "Information Governance <information.rights@council.example>") or "",
        notify_api_key=_env("NOTIFY_API_KEY"),
        notify_template_id=_env("NOTIFY_TEMPLATE_ID"),
        notify_base_url=_env("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk") or "",
        upload_dir=_env("RIGHTS_UPLOAD_DIR", str(var / "uploads")) or str(var / "uploads"),
        max_upload_bytes=_int("RIGHTS_MAX_UPLOAD_MB", 10) * 1024 * 1024,
        session_idle_minutes=_int("RIGHTS_SESSION_IDLE_MINUTES", 60),
        staff_idle_minutes=_int("RIGHTS_STAFF_IDLE_MINUTES", 30),
        ratelimit_storage_uri=_env("RATELIMIT_STORAGE_URI", redis_url or "memory://") or "memory://",
        council_name=_env("RIGHTS_COUNCIL_NAME", "County Council") or "County Council",
        demo=_bool("RIGHTS_DEMO", env == "development"),
        testing=env == "test",
        trusted_proxies=_int("RIGHTS_TRUSTED_PROXIES", 0),
        notify_template_ids=_pairs("NOTIFY_TEMPLATE_IDS"),
        evidence_reminder_days=_int("RIGHTS_EVIDENCE_REMINDER_DAYS", 14),
        close_unanswered_days=_int("RIGHTS_CLOSE_UNANSWERED_DAYS", 28),
        ontime_target=_int("RIGHTS_ONTIME_TARGET", 90),
        bundle_workers=_int("RIGHTS_BUNDLE_WORKERS", 1),
        pdf_a=_bool("RIGHTS_PDF_A", False),
        render_timeout_seconds=_int("RIGHTS_RENDER_TIMEOUT_SECONDS", 300),
        render_memory_mb=_int("RIGHTS_RENDER_MEMORY_MB", 2048),
        download_days=_int("RIGHTS_DOWNLOAD_DAYS", 28),
        document_max_text_chars=_int("RIGHTS_DOCUMENT_MAX_TEXT_CHARS", 2_000_000),
        document_timeout_seconds=_int("RIGHTS_DOCUMENT_TIMEOUT_SECONDS", 30),
        document_memory_mb=_int("RIGHTS_DOCUMENT_MEMORY_MB", 512),
        retention_closed_days=_int("RIGHTS_RETENTION_CLOSED_DAYS", 730),
        retention_id_days=_int("RIGHTS_RETENTION_ID_DAYS", 7),
        rate_limits={key: value for key, (var, _default) in RATE_LIMITS.items() if (value := _env(var))},
    )
    for key, value in overrides.items():
        setattr(settings, key, value)
    check(settings)
    return settings


def _keys(name: str, unset: list[str]) -> list[str]:
    """A comma-separated list of keys, newest first; ``unset`` when the variable is not set."""
    raw = _env(name)
    return [k.strip() for k in raw.split(",") if k.strip()] if raw else list(unset)


def _pairs(name: str) -> dict[str, str]:
    """``kind=value,kind=value`` into a dict; a malformed pair is a configuration error, not a silent skip."""
    raw = _env(name)
    out: dict[str, str] = {}
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"{name} must be kind=id pairs separated by commas, not {part.strip()!r}")
        out[key.strip()] = value.strip()
    return out


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode())) == 32
    except (binascii.Error, ValueError):
        return False


def check(settings: Settings) -> None:
    """Refuse production settings that would put citizens' data at risk, naming the fix."""
    if not 1 <= settings.evidence_reminder_days < settings.close_unanswered_days:
        raise ConfigError("RIGHTS_CLOSE_UNANSWERED_DAYS must be later than RIGHTS_EVIDENCE_REMINDER_DAYS (the "
                          "reminder is the requester's notice that the case will be closed)")
    if not 0 <= settings.ontime_target <= 100:
        raise ConfigError("RIGHTS_ONTIME_TARGET must be a percentage from 0 to 100")
    if not 0 <= settings.trusted_proxies <= 5:
        raise ConfigError("RIGHTS_TRUSTED_PROXIES must be the number of reverse proxies in front of the app (0 to 5)")
    if settings.bundle_workers < 1 or settings.render_timeout_seconds < 1 or settings.render_memory_mb < 256:
        raise ConfigError("RIGHTS_BUNDLE_WORKERS and RIGHTS_RENDER_TIMEOUT_SECONDS must be at least 1, "
                          "RIGHTS_RENDER_MEMORY_MB at least 256")
    if settings.document_max_text_chars < 1000 or settings.document_timeout_seconds < 1 or \
            settings.document_memory_mb < 128:
        raise ConfigError("RIGHTS_DOCUMENT_MAX_TEXT_CHARS must be at least 1000, RIGHTS_DOCUMENT_TIMEOUT_SECONDS "
                          "at least 1 and RIGHTS_DOCUMENT_MEMORY_MB at least 128")
    for n, key in enumerate(settings.encryption_keys, start=1):
        if not _is_fernet_key(key):
            raise ConfigError(f"RIGHTS_ENCRYPTION_KEYS: key {n} is not a Fernet key (32 bytes, URL-safe base64; "
                              "`rights keygen` makes one)")
    for n, key in enumerate(settings.audit_keys, start=1):
        if not _is_fernet_key(key):
            raise ConfigError(f"RIGHTS_AUDIT_KEYS: key {n} is not a key of the same form as the encryption keys "
                              "(`rights keygen` makes one)")
    if settings.retention_closed_days < 30 or settings.retention_id_days < 0:
        raise ConfigError("RIGHTS_RETENTION_CLOSED_DAYS must be at least 30 and RIGHTS_RETENTION_ID_DAYS at least 0")
    for key, value in settings.rate_limits.items():
        if not all(_RATE.fullmatch(part.strip()) for part in value.split(";")):
            raise ConfigError(f"{RATE_LIMITS[key][0]} must be limits such as '10 per minute;100 per hour', "
                              f"not {value!r}")
    if settings.env != "production":
        return
    problems = []
    if settings.secret_key in ("", DEV_SECRET) or len(settings.secret_key) < 32:
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    if not settings.encryption_keys or DEV_ENCRYPTION_KEY in settings.encryption_keys:
        problems.append("RIGHTS_ENCRYPTION_KEYS must hold at least one Fernet key (rights keygen makes one)")
    if not settings.audit_keys or DEV_ENCRYPTION_KEY in settings.audit_keys:
        problems.append("RIGHTS_AUDIT_KEYS must hold at least one key of its own (rights keygen makes one)")
    elif set(settings.audit_keys) & set(settings.encryption_keys):
        problems.append("RIGHTS_AUDIT_KEYS must not reuse an encryption key (each is kept for a different time)")
    if not settings.redis_url:
        problems.append("REDIS_URL must be set: production runs jobs on RQ workers, not in the web process")
    if settings.database_url.startswith("sqlite"):
        problems.append("DATABASE_URL must point at PostgreSQL in production")
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems) + ".")
