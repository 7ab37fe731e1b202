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


#: Run in a child interpreter: every module setup.py compiles is imported from its ``.py`` source instead.
_SOURCES_ONLY = """
import importlib.util, sys
from pathlib import Path
root = Path(sys.argv.pop(1))
names = {source.removesuffix(".py").replace("/", "."): root / source for source in sys.argv.pop(1).split(",")}
class SourcesOnly:
    @staticmethod
    def find_spec(name, path=None, target=None):
        return importlib.util.spec_from_file_location(name, names[name]) if name in names else None
sys.meta_path.insert(0, SourcesOnly)
import runpy
import rights.redaction.names as probe
print("loaded from", Path(probe.__file__).suffix)
runpy.run_path(str(root / "bench" / "redaction_fingerprint.py"), run_name="__main__")
"""


def test_the_sources_propose_what_the_build_proposes() -> None:
    """Where no compiler is at hand the ``.py`` files run: they must propose the same, to the character.

    Both runs hash every proposal over the fingerprint bench's sets (generated notes, requests of 25, 5 and 1,
    and the same notes altered: case, accents, glued punctuation); one imports the compiled modules (when
    built), the other their sources.
    """
    import subprocess
    import sys

    args = ["--notes", "200"]
    built = subprocess.run([sys.executable, str(ROOT / "bench" / "redaction_fingerprint.py"), *args], cwd=ROOT,
                           capture_output=True, text=True, check=True, timeout=300)
    plain = subprocess.run([sys.executable, "-c", _SOURCES_ONLY, str(ROOT), ",".join(compiled_sources()), *args],
                           cwd=ROOT, capture_output=True, text=True, check=True, timeout=300)
    marker, _, hashes = plain.stdout.partition("\n")
    assert marker == "loaded from .py"
    assert len(built.stdout.splitlines()) == 6 and hashes == built.stdout
