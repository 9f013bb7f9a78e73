"""Packages for the HTTP tests of this folder, made once per run (the portal fixture is in tests/)."""

from __future__ import annotations

import pytest

from tests.security.packages import Package, ended_packages


@pytest.fixture(scope="session")
def packages(tmp_path_factory) -> dict[str, Package]:
    return ended_packages(tmp_path_factory.mktemp("packages"))
