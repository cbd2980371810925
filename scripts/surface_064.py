"""Write the public surface of amazon-transcribe 0.6.4 as JSON, read from its source distribution.

The faithfulness test (``tests/compat/test_surface_064.py``) checks every
module and name listed here against our package. The list is generated from
0.6.4's own source with ``ast`` (nothing of it is imported or run), so it
needs neither 0.6.4's dependencies nor the network at test time::

    pip download --no-deps --no-binary :all: amazon-transcribe==0.6.4 -d /tmp/ref
    python scripts/surface_064.py /tmp/ref/amazon_transcribe-0.6.4.tar.gz \\
        > tests/compat/surface-0.6.4.json

What counts as a module's surface: every top-level name it binds without a
leading underscore (classes, functions, assignments), every name it imports
from the package itself (0.6.4 has no ``__all__``, so those are reachable
and some code uses them), and the underscore names real code is known to
use (:data:`KNOWN_PRIVATE`). Names imported from the standard library or
awscrt are not part of the surface. For each function and method the
parameters are recorded (name, kind, default as source text); for each
class its bases, its constructor (inherited ones resolved) and its public
methods and properties.
"""

from __future__ import annotations

import ast
import io
import json
import sys
import tarfile
from typing import Any, Dict, List, Optional, Tuple

PACKAGE = "amazon_transcribe"

#: Underscore names of 0.6.4 that public code imports.
KNOWN_PRIVATE = {"endpoints": ["_TranscribeRegionEndpointResolver"], "__init__": ["__version__"]}

# Methods whose names start with an underscore but are protocol, not private.
_DUNDERS = {"__init__", "__aiter__", "__anext__", "__iter__", "__next__", "__aenter__",
            "__aexit__", "__enter__", "__exit__", "__len__", "__getitem__", "__setitem__",
            "__delitem__", "__call__"}


def _params(args: ast.arguments) -> List[Dict[str, Any]]:
    """The parameters of a def, in order, as inspect names their kinds."""
    out: List[Dict[str, Any]] = []
    positional = list(args.posonlyargs) + list(args.args)
    defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    for index, (arg, default) in enumerate(zip(positional, defaults)):
        kind = "POSITIONAL_ONLY" if index < len(args.posonlyargs) else "POSITIONAL_OR_KEYWORD"
        out.append(_param(arg.arg, kind, default))
    if args.vararg is not None:
        out.append(_param(args.vararg.arg, "VAR_POSITIONAL", None))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        out.append(_param(arg.arg, "KEYWORD_ONLY", default))
    if args.kwarg is not None:
        out.append(_param(args.kwarg.arg, "VAR_KEYWORD", None))
    return out


def _param(name: str, kind: str, default: Optional[ast.expr]) -> Dict[str, Any]:
    entry: Dict[str, Any] = {"name": name, "kind": kind}
    if default is not None:
        entry["default"] = ast.unparse(default)
    return entry


def _function(node: Any) -> Dict[str, Any]:
    decorators = {ast.unparse(d) for d in node.decorator_list}
    kind = "async function" if isinstance(node, ast.AsyncFunctionDef) else "function"
    if "property" in decorators:
        kind = "property"
    elif "staticmethod" in decorators:
        kind = "staticmethod"
    elif "classmethod" in decorators:
        kind = "classmethod"
    return {"kind": kind, "params": _params(node.args)}


def _class(node: ast.ClassDef) -> Dict[str, Any]:
    members: Dict[str, Any] = {}
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not item.name.startswith("_") or item.name in _DUNDERS:
                if item.name in members and members[item.name]["kind"] == "property":
                    continue  # a property's setter
                members[item.name] = _function(item)
    return {
        "kind": "class",
        "bases": [ast.unparse(base) for base in node.bases],
        "members": members,
    }


def _module_surface(source: str, module: str) -> Tuple[Dict[str, Any], Dict[str, str]]:
    tree = ast.parse(source)
    names: Dict[str, Any] = {}
    imported: Dict[str, str] = {}
    wanted_private = set(KNOWN_PRIVATE.get(module, []))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name.startswith("_") and node.name not in wanted_private:
                continue
            names[node.name] = _class(node) if isinstance(node, ast.ClassDef) else _function(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and (
                    not target.id.startswith("_") or target.id in wanted_private
                ):
                    names[target.id] = {"kind": "value"}
        elif isinstance(node, ast.ImportFrom) and node.module and (
            node.module == PACKAGE or node.module.startswith(PACKAGE + ".")
        ):
            for alias in node.names:
                local = alias.asname or alias.name
                if not local.startswith("_"):
                    imported[local] = f"{node.module}.{alias.name}"
    return names, imported


def _resolve_constructors(surface: Dict[str, Dict[str, Any]],
                          imports: Dict[str, Dict[str, str]]) -> None:
    """Give each class without an ``__init__`` of its own the one it inherits."""

    def find(module: str, name: str) -> Optional[Dict[str, Any]]:
        entry = surface.get(module, {}).get(name)
        if entry is not None and entry.get("kind") == "class":
            return entry
        origin = imports.get(module, {}).get(name)
        if origin is not None:
            origin_module, _, origin_name = origin.rpartition(".")
            return find(origin_module.replace(PACKAGE + ".", "").replace(PACKAGE, "__init__"),
                        origin_name)
        return None

    def init_of(module: str, entry: Dict[str, Any], depth: int = 0) -> Optional[Dict[str, Any]]:
        if "__init__" in entry["members"]:
            return entry["members"]["__init__"]  # type: ignore[no-any-return]
        for base in entry["bases"]:
            parent = find(module, base)
            if parent is not None and depth < 10:
                found = init_of(module, parent, depth + 1)
                if found is not None:
                    return found
        return None

    for module, names in surface.items():
        for entry in names.values():
            if entry.get("kind") == "class" and "__init__" not in entry["members"]:
                inherited = init_of(module, entry)
                if inherited is not None:
                    entry["inherited_init"] = inherited


def surface_of(sdist: bytes) -> Dict[str, Any]:
    """The surface of every module of the package in a source distribution.

    :param sdist: the ``.tar.gz`` file's bytes.
    :returns: ``{"modules": {module: {name: entry}}}``; re-exports are entries
        of kind ``import`` with their ``origin``.
    """
    surface: Dict[str, Dict[str, Any]] = {}
    imports: Dict[str, Dict[str, str]] = {}
    with tarfile.open(fileobj=io.BytesIO(sdist), mode="r:gz") as archive:
        for member in archive.getmembers():
            parts = member.name.split("/")
            if len(parts) == 3 and parts[1] == PACKAGE and parts[2].endswith(".py"):
                module = parts[2][:-3]
                handle = archive.extractfile(member)
                assert handle is not None
                names, imported = _module_surface(handle.read().decode("utf-8"), module)
                surface[module] = names
                imports[module] = imported
    _resolve_constructors(surface, imports)
    for module, imported in imports.items():
        for local, origin in imported.items():
            surface[module].setdefault(local, {"kind": "import", "origin": origin})
    return {"version": "0.6.4", "modules": {m: surface[m] for m in sorted(surface)}}


def main(argv: List[str]) -> int:
    """Print the surface of the sdist named on the command line.

    :param argv: the command line: one path to ``amazon_transcribe-0.6.4.tar.gz``.
    :returns: the exit status.
    """
    if len(argv) != 1:
        sys.stderr.write("usage: surface_064.py amazon_transcribe-0.6.4.tar.gz\n")
        return 2
    with open(argv[0], "rb") as handle:
        data = surface_of(handle.read())
    json.dump(data, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
