"""The file store keys files by SOP Instance UID and never overwrites a stored file."""

import io
from pathlib import Path

import pytest

from iep_app.dicom.store import FileStore, storage_key_for


def test_path_of_fans_out_into_two_character_folders(store: FileStore):
    key = storage_key_for("1.2.3.4")
    path = store.path_of(key)
    assert path.is_absolute()
    assert path.relative_to(store.root).parts == (key[:2], key[2:4], key)


@pytest.mark.parametrize("key", ["../../etc/passwd", "ABC", "", "g" * 64, "a" * 63])
def test_path_of_refuses_anything_but_a_key(store: FileStore, key: str):
    with pytest.raises(ValueError):
        store.path_of(key)


def test_first_commit_wins_and_staging_files_are_removed(store: FileStore):
    key = storage_key_for("1.2.3.4")
    for content in (b"first", b"second"):
        staged, digests = store.stage(io.BytesIO(content))
        assert digests.size == len(content)
        store.commit(staged, key)
        assert not staged.exists()
    assert store.path_of(key).read_bytes() == b"first"
    assert list(Path(store.root, "tmp").iterdir()) == []
