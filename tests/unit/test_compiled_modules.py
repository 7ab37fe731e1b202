"""The redaction modules setup.py compiles with mypyc: when built, the build is of the sources as they are.

Python imports a compiled module before its ``.py`` file, so a build older than an edit would run the old
code: these tests fail on it, naming the command that rebuilds. With no build (no compiler, or
``RIGHTS_PURE_PYTHON=1``) the sources run and there is nothing to check but that they import.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def compiled_sources() -> list[str]:
    """``setup.py``'s COMPILED, read from its source (running setup.py would start a build)."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "COMPILED" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError("setup.py has no COMPILED")


@pytest.mark.parametrize("source", compiled_sources())
def test_compiled_module_is_built_from_its_source(source: str) -> None:
    path = ROOT / source
    assert path.is_file(), f"setup.py compiles {source}, which does not exist"
    module = importlib.import_module(source.removesuffix(".py").replace("/", "."))
    loaded = Path(module.__file__ or "")
    if loaded.suffix == ".py":
        return  # not compiled: the source runs
    assert loaded.stat().st_mtime >= path.stat().st_mtime, (
        f"{loaded.name} is older than {source}: build again with `pip install --no-deps -e .` "
        "(scripts/bootstrap.sh does), or delete the .so files to run the sources")
