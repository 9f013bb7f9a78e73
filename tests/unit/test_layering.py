"""The pure DICOM package never imports the UI framework or the database layer."""

import ast
from pathlib import Path

import iep_app.dicom

FORBIDDEN = ("reflex", "sqlmodel", "sqlalchemy")
APP = Path(iep_app.dicom.__file__).parent.parent


def _offenders(sources: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    offenders = []
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{source.name}: {n}" for n in names if n.startswith(forbidden)]
    return offenders


def test_dicom_package_imports_neither_reflex_nor_the_database():
    assert _offenders(list((APP / "dicom").rglob("*.py")), FORBIDDEN) == []


def test_the_vocabulary_dicom_uses_imports_neither_reflex_the_database_nor_services():
    # dicom/ imports iep_app.vocabulary, which imports iep_app.i18n: both must stay as pure.
    sources = [APP / "vocabulary.py", APP / "i18n.py"]
    assert _offenders(sources, (*FORBIDDEN, "iep_app.services", "iep_app.models", "iep_app.db")) == []
