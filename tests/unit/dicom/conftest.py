"""Fixtures for the DICOM tests: pydicom's bundled corpus and a store in a temporary folder."""

from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from iep_app.dicom.store import FileStore


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The folder of pydicom's test files (by the pydicom, DCMTK and GDCM authors)."""
    return Path(get_testdata_file("CT_small.dcm")).parent


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "store")
