"""The pure DICOM package never imports the UI framework or the database layer."""

import ast
from pathlib import Path

import iep_app.dicom

FORBIDDEN = ("reflex", "sqlmodel", "sqlalchemy")


def test_dicom_package_imports_neither_reflex_nor_the_database():
    package = Path(iep_app.dicom.__file__).parent
    offenders = []
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{source.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
