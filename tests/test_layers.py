"""The package's layers, read from its source with ``ast`` (``TYPE_CHECKING`` imports included).

``shared/DESIGN.md`` draws the layers; these tests hold the tree to them:

* the shape modules import only the standard library and each other;
* the sans-IO core (codec, signer, (de)serializers, the stream protocol)
  never reaches asyncio, awscrt's HTTP layer, the streams, the transport,
  the HTTP session or the client, not even through another module;
* the compatibility layer of 0.6.4's internals (``_legacy`` and the 0.6.4
  import paths that re-export it) is a leaf: nothing else imports it, so the
  core, the client and the emulator never run its code;
* no module imports another that imports it back, by any path;
* every public shape and event class has type hints that resolve.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import sys
import sysconfig
import typing
from pathlib import Path
from typing import Dict, List, Set

import pytest

PACKAGE = "amazon_transcribe"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

SHAPE_MODULES = {"shapes", "medical", "call_analytics", "medical_scribe"}
SANS_IO = {"_eventstream", "_signer", "_serialize", "_deserialize", "protocol", "exceptions"}
SANS_IO_FORBIDDEN_INTERNAL = {
    "streams", "transport", "_httpsession", "httpsession", "client", "crt", "auth",
}
# The 0.6.4 import paths that assemble our core's names with the legacy
# layer's; they, and the layer itself, are imported by users only.
COMPAT_PATHS = {
    "eventstream", "signer", "serialize", "deserialize", "httpsession", "model", "request",
    "response", "structures", "utils",
}
SANS_IO_FORBIDDEN_EXTERNAL = {"asyncio", "awscrt"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: Dict[str, Path] = {module_name(p): p for p in ROOT.rglob("*.py")}


def imports_of(name: str) -> Set[str]:
    """Every module ``name`` imports anywhere in its source (functions and
    ``TYPE_CHECKING`` blocks included), as absolute names."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            for alias in node.names:  # "from . import x" may name a submodule
                if f"{target}.{alias.name}" in MODULES:
                    found.add(f"{target}.{alias.name}")
    return found


GRAPH: Dict[str, Set[str]] = {
    name: {i for i in imports_of(name) if i in MODULES and i != name} for name in MODULES
}


def external(name: str) -> Set[str]:
    return {i for i in imports_of(name) if not i.startswith(PACKAGE) and i != "__future__"}


def reach(start: str) -> Set[str]:
    """Every package module ``start`` imports, directly or through others."""
    seen: Set[str] = set()
    todo = [start]
    while todo:
        for following in GRAPH[todo.pop()]:
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return seen


def is_stdlib(module: str) -> bool:
    top = module.split(".")[0]
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return top in names
    spec = importlib.util.find_spec(top)  # Python 3.9
    if spec is None:
        return False
    if spec.origin in (None, "built-in", "frozen"):
        return True
    stdlib = sysconfig.get_paths()["stdlib"]
    return str(spec.origin).startswith(stdlib) and "site-packages" not in str(spec.origin)


def short(name: str) -> str:
    return name[len(PACKAGE) + 1 :] if name.startswith(PACKAGE + ".") else name


def test_the_graph_is_read() -> None:
    # The checks below mean something only if imports were found at all.
    assert f"{PACKAGE}.shapes" in GRAPH[f"{PACKAGE}.medical"]
    assert f"{PACKAGE}.protocol" in GRAPH[f"{PACKAGE}.streams"]
    assert "asyncio" in external(f"{PACKAGE}.streams")


@pytest.mark.parametrize("shape_module", sorted(SHAPE_MODULES))
def test_shape_modules_import_only_the_standard_library_and_each_other(shape_module: str) -> None:
    name = f"{PACKAGE}.{shape_module}"
    internal = {short(i) for i in GRAPH[name]}
    assert internal <= SHAPE_MODULES, internal - SHAPE_MODULES
    assert {i for i in external(name) if not is_stdlib(i)} == set()


@pytest.mark.parametrize("core_module", sorted(SANS_IO))
def test_the_sans_io_core_never_reaches_io(core_module: str) -> None:
    name = f"{PACKAGE}.{core_module}"
    reached = reach(name) | {name}
    internal = {short(i) for i in reached}
    assert internal & SANS_IO_FORBIDDEN_INTERNAL == set(), sorted(internal)
    for module in reached:
        outside = {i.split(".")[0] for i in external(module)}
        assert outside & SANS_IO_FORBIDDEN_EXTERNAL == set(), (short(module), outside)


def is_compat(name: str) -> bool:
    rest = short(name)
    return rest in COMPAT_PATHS or rest == "_legacy" or rest.startswith("_legacy.")


def test_the_compat_layer_is_found() -> None:
    assert f"{PACKAGE}._legacy" in MODULES
    assert any(is_compat(i) for i in GRAPH[f"{PACKAGE}.eventstream"])


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not is_compat(m)))
def test_core_client_and_emulator_never_import_the_compat_layer(module: str) -> None:
    assert sorted(short(i) for i in reach(module) if is_compat(i)) == []


def test_no_import_cycle_anywhere() -> None:
    # Tarjan's strongly connected components; any with two or more modules
    # (or a module importing itself) is a cycle.
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    cycles: List[List[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for following in GRAPH[node]:
            if following not in index:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in on_stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(short(m) for m in component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert cycles == []


PUBLIC_SHAPE_MODULES = ["shapes", "medical", "call_analytics", "medical_scribe", "model"]


@pytest.mark.parametrize("module", PUBLIC_SHAPE_MODULES)
def test_type_hints_resolve_on_every_public_shape_and_event(module: str) -> None:
    loaded = importlib.import_module(f"{PACKAGE}.{module}")
    checked = 0
    for name in loaded.__all__:
        value = getattr(loaded, name)
        if inspect.isclass(value):
            typing.get_type_hints(value)
            if "__init__" in vars(value):
                typing.get_type_hints(value.__init__)
            checked += 1
    assert checked > 3
