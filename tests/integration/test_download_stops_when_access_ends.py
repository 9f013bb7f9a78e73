"""A download already streaming stops when the package is revoked or declined mid-way."""

from __future__ import annotations

import pytest
from sqlmodel import Session, SQLModel
from starlette.testclient import TestClient

from iep_app.api import downloads as download_api
from iep_app.api import ranges
from iep_app.db import get_engine
from iep_app.dicom.synthetic import make_ct_series
from iep_app.iep_app import api
from iep_app.models import Transaction, TransactionStatus
from iep_app.settings import get_settings
from tests.support.packages import verified_package


@pytest.fixture
def package(tmp_path):
    SQLModel.metadata.create_all(get_engine())
    paths = make_ct_series(tmp_path / "ct", slices=24, size=256)
    with Session(get_engine(), expire_on_commit=False) as session:
        yield verified_package(session, get_settings(), paths, "stream@example.org")


def _end_access_on_the_first_recheck(monkeypatch, transaction: Transaction, status: TransactionStatus):
    real = download_api.authorised_transaction
    calls = []

    def check(request):
        calls.append(1)
        if len(calls) == 3:  # some chunks into the stream: staff revoke it (or it is declined) now
            with Session(get_engine()) as session:
                row = session.get(Transaction, transaction.id)
                row.status = status
                session.add(row)
                session.commit()
        return real(request)

    monkeypatch.setattr(download_api, "authorised_transaction", check)
    monkeypatch.setattr(ranges, "RECHECK_SECONDS", 0.0)
    return calls


@pytest.mark.parametrize("kind", ["dicom", "pictures"])
@pytest.mark.parametrize("status", [TransactionStatus.REVOKED, TransactionStatus.DECLINED])
def test_the_rest_of_the_package_is_not_sent(package, monkeypatch, kind, status):
    transaction, cookie = package
    url = f"/api/t/{transaction.public_id}/download/{kind}.zip"
    with TestClient(api, base_url="http://testserver") as client:
        client.cookies.set(f"iep_{transaction.public_id}", cookie, path=f"/api/t/{transaction.public_id}")
        whole = client.get(url)
        assert whole.status_code == 200
        calls = _end_access_on_the_first_recheck(monkeypatch, transaction, status)
        cut = client.get(url)
    assert cut.status_code == 200 and len(calls) >= 3
    assert 0 < len(cut.content) < len(whole.content) / 2
