"""The process-wide services (settings, database, job queue, cipher, file store), built once from the settings.

The web app, the CLI and the RQ worker each build one :class:`Runtime`; domain services receive what
they need from it as arguments rather than reaching for Flask's globals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rights import audit, config, security
from rights.db import Database
from rights.jobs import InlineWorker, JobQueue

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, settings: config.Settings) -> None:
        self.settings = settings
        security.set_field_keys(settings.encryption_keys)
        audit.set_keys(settings.audit_keys)
        self.db = Database(settings.database_url)
        self.queue = JobQueue(settings.redis_url, settings.queue_name)
        self.inline_worker: InlineWorker | None = None

    def refuse_unsafe_database_role(self) -> None:
        """In production, refuse to serve or work as a database role that could rewrite the audit trail.

        Called when the web app or a worker starts (not by the CLI, whose migrations run as the owner).
        """
        if self.settings.env != "production":
            return
        from rights.audit import roles

        with self.db.engine.connect() as conn:
            found = roles.problems(conn)
        if found:
            raise config.ConfigError(
                "Refusing to start in production: " + "; ".join(found) + ". Run the app and workers as a role "
                "that may only insert and read audit entries: `rights db grant-app ROLE` as the owner, then "
                "connect as ROLE (README, 'Database roles').")

    @property
    def cipher(self) -> security.Cipher:
        """The process's cipher for the configured keys (built once, shared with the jobs)."""
        return security.cipher_for(self.settings.encryption_keys)

    @property
    def files(self) -> security.EncryptedStore:
        """The encrypted file store for uploads and gathered records (built once per process)."""
        return security.store_for(self.settings.upload_dir, self.settings.encryption_keys)

    def start_inline_worker(self, force: bool = False, periodic: Callable[[], Any] | None = None) -> None:
        """Demo only: run jobs on a thread in this process when there is no Redis.

        ``force`` also drains a real Redis queue in-process (browser tests use it so one process serves
        pages and runs the jobs those pages trigger). ``periodic`` is called once a minute on the worker's
        thread: the demo has no RQ scheduler, so the app passes the schedule's tick here.
        """
        if (self.queue.inline or force) and self.inline_worker is None:
            self.inline_worker = InlineWorker(self.queue, periodic=periodic)
            self.inline_worker.start()
            log.info("jobs run in-process (no REDIS_URL): demo mode")


_current: Runtime | None = None


def init(settings: config.Settings | None = None) -> Runtime:
    global _current
    _current = Runtime(settings or config.load())
    return _current


def current() -> Runtime:
    """The runtime of this process, built from the environment on first use (RQ work horses)."""
    return _current if _current is not None else init()
