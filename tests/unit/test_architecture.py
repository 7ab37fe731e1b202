"""The package structure docs/architecture.md describes, checked on the source (parsed with ast, never run).

- No Flask outside the web layer and the CLI: the domain must run in a worker, a test or a script.
- Closed stages and role groups have one home each (the workflow table, rights.permissions): a second
  copy is how "closed" came to mean four different things.
- A domain module never imports a package above it in the documented order.
- No module grows much past 400 lines (generated migrations and the demo's synthetic county aside).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RIGHTS = ROOT / "rights"
#: The application layer: it may import anything below; nothing below imports it.
APPLICATION = ("rights.web", "rights.cli", "rights.__main__")
CLOSED = {"closed", "withdrawn", "refused", "released"}
ROLES = {"officer", "manager", "record_holder", "admin"}
#: Each constant's one home: assigning the name anywhere else is a second definition.
HOMES = {
    "CLOSED_STAGES": "rights/workflow/tables.py",
    "CASEWORKERS": "rights/permissions.py",
    "MANAGERS": "rights/permissions.py",
    "CASE_VIEWERS": "rights/permissions.py",
    "ASSESSORS": "rights/permissions.py",
    "AUDIT_READERS": "rights/permissions.py",
    "CASE_ROLES": "rights/permissions.py",
    "OFFICER_WORK": "rights/permissions.py",
    "OPEN_STATUSES_EXCLUDED": "rights/workflow/tables.py",
}


def layer_order() -> list[str]:
    """The import order listed in docs/architecture.md (lowest first), so the document and this test agree."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("<!-- import-order -->", 1)[1].split("```", 2)[1]
    return re.findall(r"^\s*\d+\.\s+(rights\.[\w.]+)", block, flags=re.MULTILINE)


def python_files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def unit(module: str) -> str:
    """The package or module a dotted name belongs to at the top of ``rights`` (rights.search.run -> rights.search)."""
    return ".".join(module.split(".")[:2])


def runtime_imports(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Every module imported outside ``if TYPE_CHECKING:`` blocks (type hints cost nothing at run time)."""

    def walk(node: ast.AST) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                yield from (x for n in child.orelse for x in walk_one(n))
                continue
            yield from walk_one(child)

    def walk_one(node: ast.AST) -> Iterator[tuple[str, int]]:
        if isinstance(node, ast.Import):
            yield from ((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "rights":
                yield from ((f"rights.{a.name}", node.lineno) for a in node.names)
            else:
                yield node.module, node.lineno
        yield from walk(node)

    yield from walk(tree)


def is_application(module: str) -> bool:
    return any(module == a or module.startswith(a + ".") for a in APPLICATION)


def test_the_order_lists_every_package_of_rights() -> None:
    order = layer_order()
    assert len(order) == len(set(order)), "a package is listed twice in docs/architecture.md"
    present = {unit(module_name(p)) for p in python_files(RIGHTS)} - {"rights", *APPLICATION}
    missing = sorted(present - set(order))
    assert not missing, f"add these to the import order in docs/architecture.md: {missing}"


def test_no_flask_outside_the_web_layer_and_the_cli() -> None:
    offenders = []
    for path in python_files(RIGHTS):
        module = module_name(path)
        if is_application(module):
            continue
        for imported, line in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if imported.split(".")[0] in ("flask", "flask_login", "flask_wtf", "flask_limiter", "werkzeug"):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not offenders, "\n".join(offenders)


def test_domain_modules_import_only_downwards() -> None:
    rank = {name: i for i, name in enumerate(layer_order())}
    offenders = []
    for path in python_files(RIGHTS):
        source = unit(module_name(path))
        if is_application(source) or source == "rights":
            continue
        for imported, line in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if not imported.startswith("rights."):
                continue
            target = unit(imported)
            if is_application(target):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {source} imports the application layer {target}")
            elif target != source and rank.get(target, -1) > rank.get(source, -1):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {source} imports {target}, which is above it")
    assert not offenders, "\n".join(offenders)


def _literal_strings(node: ast.AST) -> set[str]:
    """The strings a set, tuple, list or frozenset(...) literal spells out (``Role.X`` counts as "x")."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("frozenset", "set", "tuple"):
        return _literal_strings(node.args[0]) if node.args else set()
    if not isinstance(node, ast.Set | ast.Tuple | ast.List):
        return set()
    out = set()
    for element in node.elts:
        if isinstance(element, ast.Constant) and isinstance(element.value, str):
            out.add(element.value)
        target = element.value if isinstance(element, ast.Attribute) and element.attr == "value" else element
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "Role":
            out.add(target.attr.lower())
    return out


@pytest.mark.parametrize("where", ["rights", "forms", "workers"])
def test_closed_stages_and_role_groups_are_defined_once(where: str) -> None:
    offenders = []
    for path in python_files(ROOT / where):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id in HOMES and HOMES[target.id] != rel:
                    offenders.append(f"{rel}:{node.lineno} defines {target.id} (its home is {HOMES[target.id]})")
            spelled = _literal_strings(node)
            if len(spelled & CLOSED) >= 2 and rel != HOMES["CLOSED_STAGES"]:
                offenders.append(f"{rel}:{node.lineno} lists closed stages {sorted(spelled & CLOSED)}: "
                                 "use workflow.CLOSED_STAGES")
            if len(spelled & ROLES) >= 2 and rel != "rights/permissions.py":
                offenders.append(f"{rel}:{node.lineno} lists roles {sorted(spelled & ROLES)}: "
                                 "use a group from rights.permissions")
    assert not offenders, "\n".join(sorted(set(offenders)))


#: Modules allowed past the size limit, with the reason in docs/architecture.md ("Module size").
LONG_MODULES = {"rights/demo/world.py"}
MAX_LINES = 420  # "about 400": a module past this is doing more than one job


def test_no_module_is_much_over_400_lines() -> None:
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in python_files(RIGHTS)
            if p.relative_to(ROOT).as_posix() not in LONG_MODULES
            and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long, "split these (or justify them in docs/architecture.md):\n" + "\n".join(long)


def test_the_checks_catch_what_they_are_for() -> None:
    """The scanners themselves: a copied group, a stage list and a TYPE_CHECKING import are told apart."""
    assert _literal_strings(ast.parse('frozenset({"closed", "withdrawn"})').body[0].value) == {"closed", "withdrawn"}
    assert _literal_strings(ast.parse("(Role.OFFICER, Role.MANAGER.value)").body[0].value) == {"officer", "manager"}
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from rights.web import x\n"
                     "from rights import cases\n")
    assert [m for m, _ in runtime_imports(tree)] == ["typing", "rights.cases"]
    assert unit("rights.search.run") == "rights.search" and unit("rights.clock") == "rights.clock"
