"""Variables seed the organisation row under its own rules; then the row wins, with one start-up warning."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import iep_app
from iep_app.models import utcnow
from iep_app.services import organisation
from iep_app.services.errors import ValidationFailed
from iep_app.settings import RETENTION_LIMIT_DAYS, SettingsError, load_settings
from tests.unit.services.admin_factories import as_staff

PACKAGE = Path(iep_app.__file__).parent


def _environment(tmp_path, **variables: str) -> dict[str, str]:
    return {"IEP_DATA_DIR": str(tmp_path / "data"), **variables}


def _edit_on_the_admin_page(session, settings, **change) -> None:
    org = organisation.current(session=session, settings=settings)
    names = ("name", "email", "retention_days", "max_retention_days", "transaction_prefix")
    organisation.update(
        session=session,
        by=as_staff(session),
        now=utcnow(),
        **{**{k: getattr(org, k) for k in names}, **change},
    )
    session.commit()


def _warnings(caplog, session, settings) -> tuple[list[str], list[logging.LogRecord]]:
    with caplog.at_level(logging.WARNING, logger="iep.organisation"):
        ignored = organisation.warn_of_ignored_variables(session=session, settings=settings)
    return ignored, caplog.records


def test_the_first_start_seeds_the_row_from_the_variables_without_a_warning(session, tmp_path, caplog):
    settings = load_settings(_environment(tmp_path, IEP_ORG_NAME="St Elsewhere", IEP_RETENTION_DAYS="21"))
    assert _warnings(caplog, session, settings) == ([], [])
    org = organisation.current(session=session, settings=settings)
    assert (org.name, org.retention_days, org.transaction_prefix) == ("St Elsewhere", 21, "NS")


def test_variables_the_admin_page_overrode_are_named_in_one_warning(session, tmp_path, caplog):
    settings = load_settings(
        _environment(
            tmp_path, IEP_ORG_NAME="St Elsewhere", IEP_RETENTION_DAYS="21", IEP_TRANSACTION_PREFIX="SE"
        )
    )
    _edit_on_the_admin_page(session, settings, name="St Elsewhere NHS Trust", retention_days=30)
    ignored, [record] = _warnings(caplog, session, settings)
    assert ignored == ["IEP_ORG_NAME", "IEP_RETENTION_DAYS"]
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("ignoring IEP_ORG_NAME, IEP_RETENTION_DAYS: ")
    assert "IEP_TRANSACTION_PREFIX" not in record.getMessage()
    # Names only: neither the variable's value nor the row's reaches the log.
    assert "Elsewhere" not in record.getMessage() and "21" not in record.getMessage()
    assert organisation.current(session=session, settings=settings).retention_days == 30


def test_variables_left_to_their_defaults_are_not_named(session, tmp_path, caplog):
    settings = load_settings(_environment(tmp_path))
    _edit_on_the_admin_page(session, settings, retention_days=30, transaction_prefix="SE")
    assert _warnings(caplog, session, settings) == ([], [])


def test_an_email_that_differs_only_in_case_is_the_same(session, tmp_path, caplog):
    settings = load_settings(_environment(tmp_path, IEP_ORG_EMAIL="Imaging@StElsewhere.example.org"))
    _edit_on_the_admin_page(session, settings, email="imaging@stelsewhere.example.org")
    assert _warnings(caplog, session, settings) == ([], [])


def _variables_accepted(tmp_path, **variables: str) -> bool:
    try:
        load_settings(_environment(tmp_path, **variables))
    except SettingsError:
        return False
    return True


def _admin_page_accepts(session, settings, **change) -> bool:
    try:
        _edit_on_the_admin_page(session, settings, **change)
    except ValidationFailed:
        session.rollback()
        return False
    return True


@pytest.mark.parametrize("prefix", ["N", "NS", "ABCDEF", "ABCDEFG", "ns", "N1", "ÄB", "N-S"])
def test_the_variable_and_the_admin_page_keep_one_prefix_rule(session, settings, tmp_path, prefix):
    accepted = _admin_page_accepts(session, settings, transaction_prefix=prefix)
    assert _variables_accepted(tmp_path, IEP_TRANSACTION_PREFIX=prefix) == accepted
    assert accepted == (prefix in ("N", "NS", "ABCDEF"))


@pytest.mark.parametrize("days", [0, 1, RETENTION_LIMIT_DAYS, RETENTION_LIMIT_DAYS + 1])
def test_the_variable_and_the_admin_page_keep_one_day_range(session, settings, tmp_path, days):
    accepted = _admin_page_accepts(session, settings, max_retention_days=days, retention_days=1)
    assert _variables_accepted(tmp_path, IEP_MAX_RETENTION_DAYS=str(days), IEP_RETENTION_DAYS="1") == accepted
    assert accepted == (1 <= days <= RETENTION_LIMIT_DAYS)


def test_the_day_limit_is_written_once():
    holders = [
        str(source.relative_to(PACKAGE))
        for source in sorted(PACKAGE.rglob("*"))
        if source.suffix in (".py", ".json")
        and str(RETENTION_LIMIT_DAYS) in source.read_text(encoding="utf-8")
    ]
    assert holders == ["settings.py"]
