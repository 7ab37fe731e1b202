"""The configured source systems: read from ``RIGHTS_SOURCES`` (TOML), or the demo systems without it.

A council lists its systems once::

    [[source]]
    name = "lcs"                       # unique; stored on search tasks and gathered records
    service = "childrens_social_care"
    type = "sql"                       # sql | folder | sar-api | demo
    timeout_seconds = 60               # per call to the system (default 30; sar-api: per request, default 60)
    [source.settings]
    url = "postgresql+psycopg://reader@replica/lcs"
    ...

A mistake in the file is reported with the file, the source and the key, because the person fixing
it is an administrator reading a log, not a developer reading a traceback. Connectors are built once
per file version and reused (a SQL connector keeps its connection pool between jobs).
"""

from __future__ import annotations

import importlib
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rights import privacy_notice
from rights.config import ConfigError
from rights.sources.base import Connector, SourceError

DEFAULT_TIMEOUT = 30.0
SOURCE_KEYS = frozenset({"name", "service", "type", "timeout_seconds", "settings"})
# type -> module exposing ``from_settings(name=, service=, settings=, timeout=, base_dir=) -> Connector``
CONNECTOR_MODULES = {
    "sql": "rights.sources.sql",
    "folder": "rights.sources.folder",
    "sar-api": "rights.sources.sar_api",
    "demo": "rights.demo.connector",  # synthetic systems: the demo package, above this one
}


class SourceConfigError(ConfigError):
    """The sources file is wrong; the message names the file, the source and the key."""


@dataclass(frozen=True)
class Source:
    """One configured system: its connector and how long a call to it may take."""

    name: str
    service: str
    type: str
    timeout_seconds: float
    connector: Connector = field(compare=False, repr=False)


class SettingsReader:
    """Typed access to one source's ``[source.settings]`` with errors that name the key."""

    def __init__(self, where: str, settings: Mapping[str, Any]) -> None:
        self.where = where
        self.settings = settings
        self.used: set[str] = set()

    def error(self, key: str, problem: str) -> SourceConfigError:
        return SourceConfigError(f"{self.where}: settings.{key} {problem}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, *, required: bool = False) -> Any:
        self.used.add(key)
        if key not in self.settings:
            if required:
                raise self.error(key, "is required")
            return default
        value = self.settings[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.error(key, f"must be {_article(names)}, not {type(value).__name__} {value!r}")
        return value

    def str(self, key: str, default: str | None = None, *, required: bool = False) -> Any:
        value = self.get(key, str, default, required=required)
        if required and isinstance(value, str) and not value.strip():
            raise self.error(key, "must not be empty")
        return value

    def table(self, key: str, *, required: bool = False) -> dict[str, Any]:
        return dict(self.get(key, dict, {}, required=required))

    def finish(self) -> None:
        """Refuse keys nobody read: a typo must not silently switch a setting off."""
        unknown = sorted(set(self.settings) - self.used)
        if unknown:
            raise self.error(unknown[0], "is not a known setting for this source type")


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def load_file(path: str | Path) -> list[Source]:
    """Parse and validate a sources file and build its connectors."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourceConfigError(f"RIGHTS_SOURCES: {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourceConfigError(f"{path}: not valid TOML: {exc}") from exc
    extra = sorted(set(raw) - {"source"})
    if extra:
        raise SourceConfigError(f"{path}: unknown top-level key {extra[0]!r} (sources are [[source]] tables)")
    entries = raw.get("source")
    if not isinstance(entries, list) or not entries:
        raise SourceConfigError(f"{path}: no [[source]] tables")
    sources: list[Source] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        source = _build(path, index, entry)
        if source.name in seen:
            raise SourceConfigError(f"{path}: source #{index}: name {source.name!r} is used twice")
        seen.add(source.name)
        sources.append(source)
    return sources


def _build(path: Path, index: int, entry: dict[str, Any]) -> Source:
    where = f"{path}: source #{index}"
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SourceConfigError(f"{where}: name is required (a short unique text)")
    where = f"{path}: source #{index} ({name!r})"
    unknown = sorted(set(entry) - SOURCE_KEYS)
    if unknown:
        raise SourceConfigError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(SOURCE_KEYS))})")
    service = entry.get("service")
    if not isinstance(service, str) or not service.strip():
        raise SourceConfigError(f"{where}: service is required (e.g. 'childrens_social_care')")
    known = sorted(s.key for s in privacy_notice.load().services)
    if service not in known:
        # Officers choose services by the notice's keys; a misspelt one would never be searched.
        raise SourceConfigError(
            f"{where}: service {service!r} is not one of the privacy notice's services ({', '.join(known)})"
        )
    kind = entry.get("type")
    if kind not in CONNECTOR_MODULES:
        raise SourceConfigError(f"{where}: type must be one of {', '.join(sorted(CONNECTOR_MODULES))}, not {kind!r}")
    module = importlib.import_module(CONNECTOR_MODULES[kind])
    # A connector type may set its own default (sar-api: the government client's 60 s per request).
    timeout = entry.get("timeout_seconds", getattr(module, "DEFAULT_TIMEOUT_SECONDS", DEFAULT_TIMEOUT))
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise SourceConfigError(f"{where}: timeout_seconds must be a positive number, not {timeout!r}")
    settings = entry.get("settings", {})
    if not isinstance(settings, dict):
        raise SourceConfigError(f"{where}: settings must be a table ([source.settings])")
    reader = SettingsReader(where, settings)
    connector: Connector = module.from_settings(name=name, service=service, settings=reader, timeout=float(timeout),
                                                base_dir=path.parent)
    reader.finish()
    # The deadline of one connector call: a connector that retries within a call (sar-api) says how long
    # all its attempts may take; otherwise timeout_seconds is the deadline.
    deadline = float(getattr(connector, "deadline_seconds", timeout))
    return Source(name=name, service=service, type=kind, timeout_seconds=deadline, connector=connector)


def demo() -> list[Source]:
    """The seeded synthetic systems for the seven services, used when ``RIGHTS_SOURCES`` is unset.

    Reached through the connector table like every connector type, so this package never imports the
    demo package (which sits above it).
    """
    return importlib.import_module(CONNECTOR_MODULES["demo"]).default_sources()  # type: ignore[no-any-return]


_cache: dict[str, tuple[tuple[Any, ...], list[Source]]] = {}  # where -> (version, sources): one version each
_lock = threading.Lock()


def configured(sources_file: str | None) -> list[Source]:
    """The sources for this settings' ``RIGHTS_SOURCES`` (demo systems when unset), built once per version.

    Only the newest version of a file is kept, so editing it does not leave the old connectors (and their
    database engines) cached for the life of the process.
    """
    if sources_file:
        path = Path(sources_file)
        try:
            stat = path.stat()
        except FileNotFoundError as exc:
            raise SourceConfigError(f"RIGHTS_SOURCES: {path} does not exist") from exc
        where = str(path.resolve())
        version: tuple[Any, ...] = (stat.st_mtime_ns, stat.st_size)
    else:
        where, version = "demo", ()
    with _lock:
        cached = _cache.get(where)
        if cached is None or cached[0] != version:
            cached = _cache[where] = (version, load_file(sources_file) if sources_file else demo())
        return cached[1]

def find(sources_file: str | None, name: str) -> Source:
    """The configured source called ``name``; a SourceError if it has since been removed from the file."""
    for source in configured(sources_file):
        if source.name == name:
            return source
    raise SourceError(f"source {name!r} is no longer configured in {sources_file or 'the demo systems'}")

