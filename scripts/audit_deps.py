"""Audit the installed dependencies for known vulnerabilities with pip-audit; fail on any finding.

Why a wrapper: pip-audit asks PyPI for each installed version (``/pypi/NAME/VERSION/json``). Where that
endpoint is not reachable (a mirror that serves only the project pages, as on this project's machines),
pip-audit marks every package "not found", audits nothing, and still prints "No known vulnerabilities
found". This script counts what was really audited, and for a package pip-audit skipped it asks the
project page (``/pypi/NAME/json``), whose advisories describe the latest release: when the installed
version is that release, it is audited from there. Whatever is left unaudited is named, never passed off
as clean.

Exit status: 1 when any installed package has a known vulnerability (raise its pin in pyproject.toml),
or, with ``RIGHTS_AUDIT_STRICT=1`` (a CI that reaches the advisory service), when anything went unaudited
or the audit could not run; 0 otherwise.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

PYPI = "https://pypi.org/pypi/{}/json"


def canonical(name: str) -> str:
    """PEP 503's name, as pip-audit reports it (``zope.event`` and ``zope_event`` are ``zope-event``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed() -> dict[str, str]:
    return {canonical(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}


def project_page_advisories(name: str, version: str) -> list[dict[str, object]] | None:
    """The advisories PyPI lists for ``name`` if ``version`` is its latest release; None if that cannot be said."""
    try:
        with urllib.request.urlopen(PYPI.format(name), timeout=20) as response:  # noqa: S310 - a fixed https URL
            page = json.load(response)
    except Exception:
        return None
    if page.get("info", {}).get("version") != version:
        return None
    return [{"id": v.get("id"), "fix_versions": v.get("fixed_in") or []} for v in page.get("vulnerabilities") or []]


def main() -> int:
    strict = os.environ.get("RIGHTS_AUDIT_STRICT") == "1"
    pip_audit = Path(sys.executable).with_name("pip-audit")
    proc = subprocess.run([str(pip_audit), "--skip-editable", "--progress-spinner", "off", "--format", "json"],  # noqa: S603
                          capture_output=True, text=True, timeout=900, check=False)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit did not run: {(proc.stderr.strip().splitlines() or ['no output'])[-1]}")
        return 1 if strict else 0
    versions = installed()
    found: dict[str, list[dict[str, object]]] = {}
    skipped: list[str] = []
    audited = 0
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            if "not found on PyPI" in dep["skip_reason"]:  # not editable installs (this project itself)
                skipped.append(canonical(dep["name"]))
            continue
        audited += 1
        if dep.get("vulns"):
            found[f"{dep['name']} {dep['version']}"] = dep["vulns"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = dict(zip(skipped, pool.map(lambda n: project_page_advisories(n, versions.get(n, "")), skipped),
                         strict=True))
    unaudited = sorted(name for name, advisories in pages.items() if advisories is None)
    for name, advisories in pages.items():
        if advisories:
            found[f"{name} {versions.get(name)}"] = advisories
    audited += len(pages) - len(unaudited)
    for package, advisories in sorted(found.items()):
        for advisory in advisories:
            fixes = ", ".join(str(v) for v in advisory.get("fix_versions") or []) or "no fixed release yet"
            print(f"VULNERABLE {package}: {advisory.get('id')} (fixed in {fixes})")
    print(f"dependency audit: {audited} package(s) audited, {len(found)} vulnerable, {len(unaudited)} not audited"
          + (f" (the advisory service could not be asked about: {', '.join(unaudited)})" if unaudited else ""))
    return 1 if found or (strict and unaudited) else 0


if __name__ == "__main__":
    sys.exit(main())
