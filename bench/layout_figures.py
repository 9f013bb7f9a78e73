"""Figures of the code's layout, for two commits side by side: how easy it is to find things.

    python bench/layout_figures.py [BEFORE [AFTER]]     (default: HEAD~1 and the work tree)

Prints, for `iep_app/`: modules per folder (the largest folders), the largest module, the
functions over 50 lines, `as_aware` calls, and the `duplicates` pairs where that command exists.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tree(rev: str | None, into: Path) -> Path:
    if rev is None:
        return ROOT
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    target = Path(tempfile.mkdtemp(dir=into))
    with tempfile.TemporaryFile() as fp:
        fp.write(archive)
        fp.seek(0)
        with tarfile.open(fileobj=fp) as tar:
            tar.extractall(target, filter="data")
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)
    return target


def _long_functions(source: str) -> int:
    nodes = ast.walk(ast.parse(source))
    functions = (n for n in nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))
    return sum(1 for f in functions if (f.end_lineno or f.lineno) - f.lineno + 1 > 50)


def _duplicate_pairs(tree: Path) -> str:
    if shutil.which("duplicates") is None:
        return "n/a"
    out = subprocess.run(
        ["duplicates", "--repo", str(tree / "iep_app"), "--seconds", "60"], capture_output=True, text=True
    ).stdout
    found = re.match(r"(\d+) pairs?|no duplicates", out)
    return "0" if found and found.group(0) == "no duplicates" else (found.group(1) if found else "?")


def figures(tree: Path) -> dict[str, str]:
    modules = [p for p in (tree / "iep_app").rglob("*.py") if p.name != "__init__.py"]
    per_folder = Counter(str(p.parent.relative_to(tree)) for p in modules)
    sizes = {str(p.relative_to(tree)): len(p.read_text().splitlines()) for p in modules}
    largest = max(sizes, key=sizes.__getitem__)
    texts = [p.read_text() for p in modules]
    top = ", ".join(f"{folder} {count}" for folder, count in per_folder.most_common(4))
    return {
        "modules per folder (largest 4)": top,
        "largest module": f"{largest} ({sizes[largest]} lines)",
        "functions over 50 lines": str(sum(_long_functions(t) for t in texts)),
        "as_aware calls": str(sum(len(re.findall(r"(?<!def )\bas_aware\(", t)) for t in texts)),
        "duplicates pairs (iep_app)": _duplicate_pairs(tree),
    }


def main() -> None:
    before_rev = sys.argv[1] if len(sys.argv) > 1 else "HEAD~1"
    after_rev = sys.argv[2] if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as tmp:
        before = figures(_tree(before_rev, Path(tmp)))
        after = figures(_tree(after_rev, Path(tmp)))
    width = max(map(len, before))
    print(f"{'':{width}}  {before_rev:<40}  {after_rev or 'work tree'}")
    for name in before:
        print(f"{name:{width}}  {before[name]:<40}  {after[name]}")


if __name__ == "__main__":
    main()
