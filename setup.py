"""The redaction core's hot modules compiled with mypyc when a C compiler is at hand; plain Python otherwise.

Why: detecting and deciding a note is Python run per candidate name and per span
(``bench/redaction_speed.py``, README "Benchmarks"); compiled, the same source runs about twice as fast
(10.2-11.1x Presidio against about 5.3x), the spans and proposals made per mention (``spans.py``) become
classes with fixed fields in C, and the walks over a note's characters run in machine integers.
Everything else about the package is in ``pyproject.toml``; this file only adds the extension modules, so
``pip install -e .`` (as ``scripts/bootstrap.sh`` runs it) builds them next to their sources, where Python
imports them before the ``.py`` files. The ``.py`` files stay the source: with no compiler, no Python headers,
or ``RIGHTS_PURE_PYTHON=1`` (which removes no earlier build: delete the ``.so`` files too), nothing is
compiled and they run as they are, proposing the same to the character (``bench/redaction_fingerprint.py``).
After editing a compiled module, build again (``pip install --no-deps -e .``; ``scripts/bootstrap.sh`` does
when a source is newer than its build): ``tests/unit/test_compiled_modules.py`` fails on a stale build.
"""

from __future__ import annotations

import os
import shutil
import sysconfig
from pathlib import Path

from setuptools import Extension, setup

#: The modules compiled, chosen by instruction counts (README "Benchmarks"). ``model`` stays Python: compiled,
#: its frozen dataclasses cost more to build; the objects made per mention live in ``spans`` instead.
COMPILED = (
    "rights/redaction/detection.py", "rights/redaction/identifiers.py", "rights/redaction/name_lists.py",
    "rights/redaction/name_rules.py", "rights/redaction/names.py", "rights/redaction/pattern_starts.py",
    "rights/redaction/people_index.py", "rights/redaction/policy.py", "rights/redaction/shapes.py",
    "rights/redaction/spans.py", "rights/redaction/words.py",
)


def _can_compile() -> bool:
    """A C compiler and the interpreter's headers: what building an extension needs."""
    if os.environ.get("RIGHTS_PURE_PYTHON", "") not in ("", "0"):
        return False
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]  # as the build picks it
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    return shutil.which(compiler) is not None and headers.is_file()


def _extensions() -> list[Extension]:
    if not _can_compile():
        return []
    from mypyc.build import mypycify  # a build requirement (pyproject.toml [build-system])

    # Only these modules must pass mypy (what they import is checked silently), and installed packages are
    # not read: third-party values are untyped (Any) whatever the environment has, so every build is the same.
    return mypycify(["--ignore-missing-imports", "--follow-imports=silent", "--no-site-packages", *COMPILED],
                    opt_level="3", group_name="rights_redaction")


setup(ext_modules=_extensions())
