"""The web layer: the Flask app factory, security headers, and the blueprints.

Only this package imports Flask. Views stay thin: they validate forms and call services in ``rights``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from types import CodeType, FunctionType
from typing import Any

from flask import Flask, current_app, g, render_template, request, send_from_directory, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_qualified_name, get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from itsdangerous import BadSignature
from jinja2 import ChoiceLoader, DictLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.routing import IntegerConverter

from rights import config, privacy_notice, runtime
from rights.models import User
from rights.users.sessions import LAST_SEEN_GRANULARITY
from rights.web.access import public
from rights.web.helpers import MAX_ID
from rights.web.templating import (
    CSRF_TOKEN_SLOT,
    GOVUK_OVERRIDES,
    RememberedMacros,
    RightsEnvironment,
    govuk_attributes,
    remember_blank_fields,
    use_direct_field_macros,
)

csrf = CSRFProtect()


class _ViewLimiter(Limiter):
    """Flask-Limiter, entered only by requests a view's own limit can count (:func:`_no_limit_applies`)."""

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if _no_limit_applies():
            return
        super()._check_request_limit(callable_name, in_middleware)


#: No ``X-RateLimit-*`` headers: filling them read the limit's window from Redis again after every counted
#: request (a second round trip to the storage beside the hit), for headers no browser acts on. A refusal still
#: says when to come back (``Retry-After``, from the hit's own result: see ``too_many``).
limiter = _ViewLimiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


def limit(name: str) -> Any:
    """A rate limit by its config key (``config.RATE_LIMITS``), read per request so settings can tune it."""
    return lambda: str(current_app.config.get(name) or config.RATE_LIMITS[name][1])


#: The views with a rate limit, by Flask-Limiter's name for them: the methods it counts (None: every method)
#: and its ``exempt_when``. Filled by :func:`rate_limit`, read by :func:`_no_limit_applies`.
_RATE_LIMITED: dict[str, tuple[frozenset[str] | None, Callable[[], bool] | None]] = {}


def rate_limit(name: str, *, methods: list[str] | None = None,
               exempt_when: Callable[[], bool] | None = None) -> Callable[[Any], Any]:
    """``@limiter.limit`` with the limit of config key ``name`` (see :func:`limit`), registered so that the
    requests it cannot count skip Flask-Limiter altogether (:func:`_no_limit_applies`). Every rate limit
    in the app is declared through here (``tests/integration/test_hardening_web.py`` holds to it)."""
    decorate = limiter.limit(limit(name), methods=methods, exempt_when=exempt_when)

    def apply(view: Any) -> Any:
        allowed = frozenset(m.upper() for m in methods) if methods else None
        _RATE_LIMITED[get_qualified_name(view)] = (allowed, exempt_when)
        return decorate(view)

    return apply


def _no_limit_applies() -> bool:
    """Whether no rate limit can count this request: its view has none, or not for this method, or its
    ``exempt_when`` says so. :class:`_ViewLimiter` then does not enter Flask-Limiter at all.

    Why: the app has no default or application-wide limits, only some views' own (sending a request,
    uploads, codes, sign-in), yet Flask-Limiter resolved every view's limits twice per request (before the
    request, and again in the view's wrapper) to find none that apply. That was about a twentieth of a
    portal page's CPU (``bench/load.py``). As a request filter it still left Flask-Limiter evaluating an
    empty list of limits (meta limits, exemption scopes) twice a request. What it does when a limit applies
    is unchanged.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return False  # Flask-Limiter decides (it exempts a request that matched no route)
    declared = _RATE_LIMITED.get(get_qualified_name(view))
    if declared is None:
        return True
    methods, exempt_when = declared
    return (methods is not None and request.method not in methods) or (exempt_when is not None and exempt_when())


login_manager = LoginManager()


class RightsFlask(Flask):
    """Flask, remembering which of its functions are plain ``def`` ones.

    Flask asks ``inspect.iscoroutinefunction`` of every hook, context processor and view on every request (some
    17 times a page, to wrap ``async def`` ones). The answer is a property of the function's code, so it is
    kept per code object: a fixed set, however many functions are made from it (a closure made afresh for
    one request adds nothing). Anything but a plain function is asked each time, as Flask does.
    """

    _plain: dict[CodeType, bool]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain = {}

    def ensure_sync(self, func: Any) -> Any:
        if type(func) is not FunctionType:
            return super().ensure_sync(func)
        plain = self._plain.get(func.__code__)
        if plain:
            return func
        made = super().ensure_sync(func)
        self._plain[func.__code__] = made is func
        return made


STATIC = config.ROOT / "rights" / "web" / "static"


def create_app(settings: config.Settings | None = None, *, start_worker: bool | None = None,
               serving: bool = True) -> Flask:
    """Build the app for a profile; ``settings`` defaults to the environment's.

    ``serving`` is False when the ``rights`` command builds the app for its own commands: those run as
    whichever role the operator chose (migrations as the owner), so only a serving app checks its role.
    """
    config.check_server(os.environ)
    settings = settings or config.load()
    app = RightsFlask(__name__, static_folder=str(STATIC), static_url_path="/static",
                      template_folder=str(config.ROOT / "templates"))
    app.jinja_environment = RightsEnvironment  # before the environment is first built (below)
    app.config.update(settings.as_flask())
    # Before any blueprint: every <int:...> in a route is bounded, so a 23-digit id is a 404, not a 500.
    app.url_map.converters["int"] = BoundedInt
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address (rate limits, audit) and scheme as the council's own proxies saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,  # type: ignore[method-assign]
                                x_proto=settings.trusted_proxies)
    app.permanent_session_lifetime = timedelta(minutes=settings.session_idle_minutes)
    app.jinja_loader = ChoiceLoader([
        DictLoader(GOVUK_OVERRIDES),  # GOV.UK macros done in Python (rights.web.templating)
        FileSystemLoader(str(config.ROOT / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.globals["govuk_attributes_html"] = govuk_attributes
    app.jinja_env.globals["remembered"] = RememberedMacros()
    app.jinja_env.globals["csrf_token_slot"] = CSRF_TOKEN_SLOT
    app.jinja_env.lstrip_blocks = True

    rt = runtime.init(settings)
    if serving:
        rt.refuse_unsafe_database_role()
    app.extensions["rights"] = rt
    if start_worker if start_worker is not None else (settings.demo and rt.queue.inline):
        from rights.schedule import runner

        # Without Redis (the demo) there is no RQ scheduler: the in-process worker runs the schedule's tick.
        rt.start_inline_worker(periodic=(lambda: runner.tick(rt.db, rt.queue, rt.settings))
                               if rt.queue.inline else None)

    csrf.init_app(app)
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        # _no_limit_applies skips every view without a limit of its own: app-wide limits would never count.
        raise config.ConfigError("app-wide rate limits are not supported: declare them on views (rate_limit)")
    limiter.init_app(app)
    WTFormsHelpers(app)
    use_direct_field_macros()
    remember_blank_fields()
    # current_user as a global, looked up when a template reads it (staff pages), rather than Flask-Login's
    # context processor, which loaded the user (and hashed the address and browser) for every page drawn.
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        checked = g.get("staff_user")  # read with the staff session's check (rights.web.auth), if it ran
        if checked is not None and str(checked.id) == user_id:
            return checked  # type: ignore[no-any-return]
        with rt.db.transaction() as db_session:
            user = db_session.get(User, int(user_id))
            return user if user is not None and user.active else None

    @app.before_request
    def one_connection_per_request() -> None:
        # First of the app's hooks, so the staff session's check shares the page's connection too.
        g.db_scope = scope = ExitStack()
        scope.enter_context(rt.db.one_connection())

    @app.teardown_request
    def give_the_connection_back(_error: BaseException | None) -> None:
        scope = g.pop("db_scope", None)
        if scope is not None:
            scope.close()

    _register_blueprints(app)
    _register_security(app)
    _register_errors(app)
    _register_context(app, settings)

    @app.get("/assets/<path:filename>")
    @public
    def govuk_assets(filename: str) -> Any:
        """GOV.UK Frontend's CSS asks for fonts and images under /assets/."""
        return send_from_directory(STATIC / "govuk" / "assets", filename, max_age=86400)

    @app.get("/healthz")
    @public
    @limiter.exempt
    def healthz() -> tuple[dict[str, str], int]:
        from sqlalchemy import text

        with rt.db.transaction() as db_session:
            db_session.execute(text("SELECT 1"))
        return {"status": "ok"}, 200

    return app


class BoundedInt(IntegerConverter):
    """Flask's ``int`` converter capped at the database's integer range (``helpers.MAX_ID``).

    No minimum: 0 is a valid list position (the portal's "remove the first address").
    """

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    """The portal, sign-in and the dashboard: one blueprint each."""
    from rights.web import auth, dashboard, portal

    for blueprint in (portal.bp, auth.bp, dashboard.bp):
        app.register_blueprint(blueprint)


def csp_nonce() -> str:
    """This request's CSP nonce, made on first use.

    Made lazily rather than in a before_request hook because Flask-Limiter (429) and CSRFProtect (400)
    can refuse a request before any hook of ours runs, and their error pages need the nonce too.
    """
    if not getattr(g, "csp_nonce", None):
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


ASSET_ENDPOINTS = frozenset({"static", "govuk_assets"})


class _PageSession(SecureCookieSession):
    """A signed-cookie session that knows when its cookie was signed (None for a new session)."""

    issued_at: datetime | None = None


class _PageSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions that asset responses never touch, renewed at most once a minute.

    A stylesheet or font still in flight must not write back an older cookie over the one a sign-in
    or sign-out page has just set (that race showed up as spurious CSRF failures).

    The session is permanent with the idle timeout as its lifetime, so its cookie has to be sent again to
    push the expiry back. Flask signs and sends it on every response; here a session whose content did not
    change is sent again only once its cookie is ``LAST_SEEN_GRANULARITY`` old, the step the server-side
    staff session and portal drafts already move in. The cookie may therefore lapse up to a minute before
    the idle timeout counted from the last page, and most pages skip the serialising, signing and
    ``Set-Cookie`` (a few per cent of the app's CPU under load).
    """

    session_class = _PageSession
    _signing: tuple[Any, Any] | None = None

    def get_signing_serializer(self, app: Flask) -> Any:
        """Flask's serializer, made once per key rather than twice a request (making one serialises a test
        value to learn the format)."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        signing = self._signing
        if signing is None or signing[0] != keys:
            signing = self._signing = (keys, super().get_signing_serializer(app))
        return signing[1]

    def open_session(self, app: Flask, request: Any) -> _PageSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, issued_at = serializer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()),
                                               return_timestamp=True)
        except BadSignature:
            return self.session_class()
        opened = self.session_class(data)
        opened.issued_at = issued_at
        return opened

    def should_set_cookie(self, app: Flask, session: Any) -> bool:
        if request.endpoint in ASSET_ENDPOINTS:
            return False
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        issued_at = getattr(session, "issued_at", None)
        return issued_at is None or datetime.now(UTC) - issued_at >= LAST_SEEN_GRANULARITY


def _register_security(app: Flask) -> None:
    app.session_interface = _PageSessionInterface()

    @app.before_request
    def keep_session_alive() -> None:
        if request.endpoint not in ASSET_ENDPOINTS and not session.permanent:
            session.permanent = True  # idle timeout: the lifetime restarts with each page (see the interface)

    @app.after_request
    def headers(response: Any) -> Any:
        nonce = csp_nonce()
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint not in ASSET_ENDPOINTS:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _register_errors(app: Flask) -> None:
    def page(template: str, code: int) -> Any:
        return render_template(template), code

    def too_many(error: Exception) -> Any:
        """The 429 page says how long to wait: until the window of the limit that was hit resets."""
        import math
        import time

        current = limiter.current_limit
        # reset_at is a whole second rounded up: count whole seconds, so a 10-minute window never reads 11.
        seconds = max(1, int(current.reset_at - time.time())) if current is not None else 15 * 60
        minutes = math.ceil(seconds / 60)
        wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
        return render_template("errors/429.html", wait=wait), 429, {"Retry-After": str(seconds)}

    # A bare 400 (a tampered or missing form value) gets the service's page, not the framework's.
    app.register_error_handler(400, lambda e: page("errors/400.html", 400))
    app.register_error_handler(403, lambda e: page("errors/403.html", 403))
    app.register_error_handler(404, lambda e: page("errors/404.html", 404))
    app.register_error_handler(413, lambda e: page("errors/413.html", 413))
    app.register_error_handler(429, lambda e: too_many(e))
    app.register_error_handler(500, lambda e: page("errors/500.html", 500))
    app.register_error_handler(CSRFError, lambda e: page("errors/csrf.html", 400))


def _register_context(app: Flask, settings: config.Settings) -> None:
    @app.context_processor
    def inject() -> dict[str, Any]:
        return {
            "cspNonce": csp_nonce(),
            "council_name": settings.council_name,
            **privacy_notice.council_contact(),
            "assetPath": "/assets",
        }
