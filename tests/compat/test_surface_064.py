"""Every module and name of amazon-transcribe 0.6.4 is here, with a compatible signature.

The list is ``surface-0.6.4.json``, generated from 0.6.4's source
distribution by ``scripts/surface_064.py`` (read there what it holds). A
signature is compatible when 0.6.4's parameters come first, in order, with
the same names, kinds and defaults (a parameter 0.6.4 requires may have a
default here), and anything we add after them can be left out (a default,
``*args``/``**kwargs``) — so every call written for 0.6.4 binds the same way.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

SURFACE: Dict[str, Dict[str, Any]] = json.loads(
    (Path(__file__).with_name("surface-0.6.4.json")).read_text(encoding="utf-8")
)["modules"]

# 0.6.4's client module imported its internals to compose them; those now
# live in the compatibility layer, which our client never imports (the
# layering test holds it to that). They stay importable from their own
# modules (eventstream, serialize, deserialize, signer, httpsession).
NOT_REEXPORTED = {
    ("client", "AudioEventSerializer"): "serialize",
    ("client", "AwsCrtHttpSessionManager"): "httpsession",
    ("client", "EventSigner"): "eventstream",
    ("client", "EventStreamMessageSerializer"): "eventstream",
    ("client", "SigV4RequestSigner"): "signer",
    ("client", "TranscribeStreamingResponseParser"): "deserialize",
    ("client", "TranscribeStreamingSerializer"): "serialize",
}


def module_path(module: str) -> str:
    return "amazon_transcribe" if module == "__init__" else f"amazon_transcribe.{module}"


NAMES: List[Tuple[str, str]] = sorted(
    (module, name) for module, names in SURFACE.items() for name in names
)


def test_the_surface_is_all_there() -> None:
    # A guard on the generated file itself: 16 modules, the names issue 14 lists.
    assert len(SURFACE) == 16
    assert {"request", "response", "structures"} <= set(SURFACE)
    assert "EventStreamBuffer" in SURFACE["eventstream"]
    assert "_TranscribeRegionEndpointResolver" in SURFACE["endpoints"]
    assert len(NAMES) == 142


@pytest.mark.parametrize("module", sorted(SURFACE))
def test_every_module_imports(module: str) -> None:
    importlib.import_module(module_path(module))


def default_of(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except ValueError:
        return text  # a name (``None`` is a literal); compared as source below


def check_signature(ours: Any, expected: List[Dict[str, Any]], where: str) -> None:
    signature = inspect.signature(ours)
    params = list(signature.parameters.values())
    if expected and expected[0]["name"] in ("self", "cls") and (
        not params or params[0].name not in ("self", "cls")
    ):
        expected = expected[1:]  # we looked at a bound or static form
    assert len(params) >= len(expected), f"{where}: {signature} lacks 0.6.4's {expected}"
    for param, want in zip(params, expected):
        assert param.name == want["name"], f"{where}: {param.name} is 0.6.4's {want['name']}"
        assert param.kind.name == want["kind"], f"{where}: {param.name} is {param.kind.name}"
        if "default" in want:
            assert param.default is not inspect.Parameter.empty, f"{where}: {param.name}"
            wanted = default_of(want["default"])
            if isinstance(wanted, str) and want["default"] == wanted:
                assert repr(param.default) == wanted or getattr(
                    param.default, "__name__", None) == wanted, f"{where}: {param.name}"
            else:
                assert param.default == wanted, f"{where}: {param.name}={param.default!r}"
        # A parameter 0.6.4 requires may have a default here: calls still bind.
    for extra in params[len(expected):]:
        assert (
            extra.default is not inspect.Parameter.empty
            or extra.kind in (extra.VAR_POSITIONAL, extra.VAR_KEYWORD)
        ), f"{where}: our extra parameter {extra.name} must be optional"


@pytest.mark.parametrize("module, name", NAMES, ids=[f"{m}.{n}" for m, n in NAMES])
def test_every_name_with_its_signature(module: str, name: str) -> None:
    entry = SURFACE[module][name]
    loaded = importlib.import_module(module_path(module))
    if (module, name) in NOT_REEXPORTED:
        home = importlib.import_module(module_path(NOT_REEXPORTED[(module, name)]))
        assert hasattr(home, name)
        return
    assert hasattr(loaded, name), f"{module}.{name}"
    ours = getattr(loaded, name)
    kind = entry["kind"]
    if kind == "import":
        origin_module, _, origin_name = entry["origin"].rpartition(".")
        short = origin_module.replace("amazon_transcribe", "").lstrip(".") or "__init__"
        if short in SURFACE and origin_name in SURFACE[short] and short != module:
            # A re-export of a package name is the same object as at its home.
            home = importlib.import_module(module_path(short))
            assert ours is getattr(home, origin_name), f"{module}.{name}"
        return
    if kind == "value":
        return
    if kind in ("function", "async function"):
        assert callable(ours)
        if kind == "async function":
            assert inspect.iscoroutinefunction(ours) or inspect.isasyncgenfunction(
                ours), f"{module}.{name} is async in 0.6.4"
        check_signature(ours, entry["params"], f"{module}.{name}")
        return
    assert inspect.isclass(ours), f"{module}.{name} is a class in 0.6.4"
    init = entry["members"].get("__init__") or entry.get("inherited_init")
    if init is not None:
        check_signature(ours.__init__, init["params"], f"{module}.{name}.__init__")
    for member, spec in entry["members"].items():
        if member == "__init__":
            continue
        where = f"{module}.{name}.{member}"
        assert hasattr(ours, member), where
        raw = inspect.getattr_static(ours, member)
        if spec["kind"] == "property":
            assert isinstance(raw, property) or not callable(raw), f"{where} is a property"
            continue
        if spec["kind"] == "staticmethod":
            assert isinstance(raw, staticmethod), f"{where} is a staticmethod"
        if spec["kind"] == "async function" and member != "__aiter__":
            # ``async def`` in 0.6.4: a coroutine, or an async generator.
            method = getattr(ours, member)
            assert inspect.iscoroutinefunction(method) or inspect.isasyncgenfunction(
                method), f"{where} is async"
        check_signature(getattr(ours, member), spec["params"], where)
