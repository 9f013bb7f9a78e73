"""Opening an emailed link: it shows where codes go and sends nothing; unknown links are refused."""

from __future__ import annotations

import pytest
from sqlmodel import select

from iep_app.models import OtpChallenge, OutboxMessage, Progress, utcnow
from iep_app.services import organisation
from iep_app.services.errors import LinkNotFound
from iep_app.services.recipient import links
from tests.support.packages import send_code
from tests.unit.services.factories import make_transaction


def test_opening_the_link_sends_nothing(session, settings):
    created = make_transaction(session, settings)
    org = organisation.current(session=session, settings=settings)
    view = links.open_link(
        session=session,
        secret_key=settings.secret_key,
        organisation=org,
        token=created.link_token,
        now=utcnow(),
    )
    session.commit()
    assert view.masked_destination == "c***@e***.org"
    assert not session.exec(select(OtpChallenge)).all()
    assert not session.exec(select(OutboxMessage)).all()
    assert created.transaction.progress == Progress.OPENED


def test_unknown_link_is_refused(session, settings):
    make_transaction(session, settings)
    with pytest.raises(LinkNotFound):
        send_code(session, settings, "not-a-real-token")
