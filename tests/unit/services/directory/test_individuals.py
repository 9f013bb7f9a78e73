"""The individuals directory for staff: search, edit, and open packages following new details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from iep_app.models import AuditEvent, AuthMethod, utcnow
from iep_app.services.audit import Action
from iep_app.services.directory import individuals
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import NotAllowed, ValidationFailed
from tests.unit.services.admin_factories import as_staff
from tests.unit.services.factories import make_transaction


def _people(session, settings):
    a = make_transaction(session, settings, email="jane.doe@example.org").transaction
    b = make_transaction(session, settings, email="sam@example.org").transaction
    for t, (first, last) in ((a, ("Jane", "Doe")), (b, ("Sam", "Smith"))):
        person = individuals.get(session=session, individual_pk=t.recipient_pk)
        person.first_name, person.last_name = first, last
    session.commit()
    return a, b


@pytest.mark.parametrize(
    "text,expected",
    [
        ("jane", ["jane.doe@example.org"]),
        ("SMITH sam", ["sam@example.org"]),
        ("example.org", ["jane.doe@example.org", "sam@example.org"]),
        ("%", []),
        ("", ["jane.doe@example.org", "sam@example.org"]),
    ],
)
def test_search_by_email_or_names(session, settings, text, expected):
    _people(session, settings)
    assert [p.email for p in individuals.search(session=session, text=text)] == expected


def test_unknown_individuals_are_refused(session):
    with pytest.raises(NotAllowed):
        individuals.get(session=session, individual_pk=99)
    with pytest.raises(NotAllowed):
        individuals.get(session=session, individual_pk="1")  # type: ignore[arg-type]


def test_update_validates_and_moves_open_packages_to_the_new_channel(session, settings):
    open_one, _ = _people(session, settings)
    closed = make_transaction(session, settings, email="jane.doe@example.org").transaction
    closed.available_until = utcnow() - timedelta(days=1)
    session.commit()
    details = individuals.details_of(individuals.get(session=session, individual_pk=open_one.recipient_pk))
    new = ContactDetails(**{**vars(details), "auth_method": AuthMethod.SMS, "auth_mobile": "+44 7911 123457"})
    moved = individuals.update(
        session=session,
        individual_pk=open_one.recipient_pk,
        details=new,
        by=as_staff(session),
        now=utcnow(),
    )
    session.commit()
    assert moved == 1
    assert (open_one.auth_method, open_one.auth_destination) == (AuthMethod.SMS, "+447911123457")
    assert closed.auth_method == AuthMethod.EMAIL
    actions = [e.action for e in session.exec(select(AuditEvent))]
    assert actions.count(Action.INDIVIDUAL_UPDATED) == 1 and actions.count(Action.AUTH_CHANGED) == 1


@pytest.mark.parametrize(
    "change,field",
    [
        ({"email": "sam@example.org"}, "email_taken"),
        ({"email": "not an email"}, "email"),
        ({"auth_email": "jane.doe@example.org"}, "auth_email"),
        ({"auth_method": AuthMethod.SMS, "auth_mobile": "07911"}, "auth_mobile"),
    ],
)
def test_update_refuses_bad_or_taken_details(session, settings, change, field):
    a, _ = _people(session, settings)
    details = individuals.details_of(individuals.get(session=session, individual_pk=a.recipient_pk))
    with pytest.raises(ValidationFailed) as refused:
        individuals.update(
            session=session,
            individual_pk=a.recipient_pk,
            details=ContactDetails(**{**vars(details), **change}),
            by=as_staff(session),
            now=utcnow(),
        )
    assert refused.value.field == field
