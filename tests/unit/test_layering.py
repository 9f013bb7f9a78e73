"""The layering rules, declared once in pyproject.toml ([tool.iep.layers]), hold for every module."""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "iep_app"


@dataclass(frozen=True)
class Layers:
    rules: dict[str, list[str]]
    guarded: list[str]

    def layer_of(self, module: str) -> str | None:
        """The most specific declared layer a module belongs to."""
        matches = [name for name in self.rules if module == name or module.startswith(f"{name}.")]
        return max(matches, key=len) if matches else None


def _layers() -> Layers:
    table = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["iep"]["layers"]
    return Layers(rules=table["rules"], guarded=table["guarded"])


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    """Every module a file imports, at any depth; `from iep_app import x` counts as iep_app.x."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "iep_app":
                found += [f"iep_app.{alias.name}" for alias in node.names]
            else:
                found.append(node.module)
    return found


def breaches(layers: Layers, package: Path = PACKAGE) -> list[str]:
    """Each import that a declared rule does not allow, as a sentence naming the rule."""
    found = []
    for path in sorted(package.rglob("*.py")):
        module = _module_name(path, package.parent)
        layer = layers.layer_of(module)
        if layer is None:
            found.append(f"{module}: belongs to no layer; declare it in [tool.iep.layers.rules]")
            continue
        for target in _imports(path):
            watched = target.startswith("iep_app.") or target.split(".")[0] in layers.guarded
            if not watched or layers.layer_of(target) == layer:
                continue
            allowed = layers.rules[layer]
            if not any(target == a or target.startswith(f"{a}.") for a in allowed):
                found.append(f"{module} imports {target}: rule '{layer}' allows only {allowed}")
    return found


def test_every_module_keeps_the_declared_layering():
    assert breaches(_layers()) == []


def test_a_breach_is_reported_with_the_rule_it_breaks(tmp_path):
    package = tmp_path / "iep_app"
    (package / "dicom").mkdir(parents=True)
    (package / "dicom" / "render.py").write_text("import sqlmodel\nfrom iep_app.services import audit\n")
    layers = Layers(rules={"iep_app.dicom": [], "iep_app.services": ["sqlmodel"]}, guarded=["sqlmodel"])
    assert breaches(layers, package) == [
        "iep_app.dicom.render imports sqlmodel: rule 'iep_app.dicom' allows only []",
        "iep_app.dicom.render imports iep_app.services: rule 'iep_app.dicom' allows only []",
    ]


def test_every_rule_names_a_real_part_of_the_package():
    layers = _layers()
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    for name in layers.rules:
        assert any(m == name or m.startswith(f"{name}.") for m in modules), name
