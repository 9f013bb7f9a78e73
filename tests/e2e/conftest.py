"""Browser tests use the portal and Chromium fixtures of tests/conftest.py, shared with tests/security."""

from tests.support.portal import IEP, ROOT, Portal, project_copy, running_portal  # noqa: F401
