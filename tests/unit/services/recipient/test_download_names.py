"""A download is saved under one name, whether the page's link or the endpoint's header gives it."""

import pytest

from iep_app.services.recipient.downloads import DownloadKind, file_name


@pytest.mark.parametrize(
    ("kind", "series", "expected"),
    [
        (DownloadKind.DICOM, False, "NS000708-DICOM.zip"),
        (DownloadKind.DICOM, True, "NS000708-series-DICOM.zip"),
        (DownloadKind.PICTURES, False, "NS000708-pictures.zip"),
        (DownloadKind.PICTURES, True, "NS000708-series-pictures.zip"),
    ],
)
def test_a_download_is_named_after_its_package_kind_and_whether_it_is_one_series(kind, series, expected):
    assert file_name("NS000708", kind, series=series) == expected
