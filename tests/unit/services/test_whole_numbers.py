"""Numbers sent by anyone are read as ASCII digits within bounds, or not at all."""

import pytest

from iep_app.services.validation import MAX_ROW_ID, row_id, whole_number


@pytest.mark.parametrize(
    "value", ["²", "٣", "1²", "-1", "+1", "1.0", "0x10", "", " ", "9" * 5000, None, True, [1], 1.0]
)
def test_anything_but_plain_digits_is_no_number(value):
    assert whole_number(value, high=10**18) is None


def test_bounds_hold_at_both_ends():
    assert whole_number("0", high=5) == 0 and whole_number(" 5 ", high=5) == 5
    assert whole_number("6", high=5) is None and whole_number("1", low=2, high=5) is None
    assert whole_number(3, high=5) == 3


def test_a_row_id_is_one_to_postgresqls_largest_integer():
    assert row_id("1") == 1 and row_id(str(MAX_ROW_ID)) == MAX_ROW_ID
    assert row_id("0") is None and row_id(str(MAX_ROW_ID + 1)) is None
