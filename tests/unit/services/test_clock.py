"""Services never read the clock: the time is a required `now` given by the caller."""

from __future__ import annotations

import ast
from pathlib import Path

import iep_app.services

CLOCKS = {"utcnow", "datetime.now", "datetime.utcnow", "date.today", "time.time", "time.monotonic"}


def _sources() -> list[Path]:
    return sorted(Path(iep_app.services.__file__).parent.rglob("*.py"))


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return ""


def test_no_service_reads_the_clock():
    readings = []
    for source in _sources():
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Call) and _name(node) in CLOCKS:
                readings.append(f"{source.name}:{node.lineno} {_name(node)}()")
    assert readings == []


def test_now_is_never_optional():
    optional = []
    for source in _sources():
        for node in ast.walk(ast.parse(source.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            args = node.args
            positional = args.posonlyargs + args.args
            defaults = dict(zip([a.arg for a in positional][::-1], args.defaults[::-1], strict=False))
            defaults |= {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d}
            if "now" in defaults:
                optional.append(f"{source.name}:{node.lineno} {node.name}")
    assert optional == []
