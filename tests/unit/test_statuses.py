"""Every status and instance kind has its words and its colour: enums, not scattered literals."""

from iep_app.components.admin_layout import STATUS_COLOURS
from iep_app.dicom.index import InstanceKind
from iep_app.i18n import SUPPORTED_LANGUAGES, catalogue
from iep_app.models import DisplayStatus, Progress, TransactionStatus
from iep_app.services.staff.search import STATUSES


def test_every_display_status_has_a_label_in_every_language_and_a_badge_colour():
    for lang in SUPPORTED_LANGUAGES:
        assert {f"admin.status.{s}" for s in DisplayStatus} <= set(catalogue(lang))
    assert set(STATUS_COLOURS) == set(DisplayStatus)


def test_display_statuses_are_the_progress_steps_and_the_reasons_a_package_closed():
    closed = {TransactionStatus.DECLINED, TransactionStatus.REVOKED}
    assert set(DisplayStatus) == {*Progress, *closed, "expired"}
    assert [s.value for s in DisplayStatus] == STATUSES
    assert {s for s in DisplayStatus if s.ended} == closed


def test_every_kind_a_recipient_may_meet_outside_the_images_has_a_name():
    for lang in SUPPORTED_LANGUAGES:
        assert {f"viewer.kind.{k}" for k in InstanceKind if k != InstanceKind.IMAGE} <= set(catalogue(lang))
