"""The file store keys files by SOP Instance UID and never overwrites a stored file."""

import hashlib
import io
from pathlib import Path

import pytest

from iep_app.dicom.store import FileStore, storage_key_for, version_key_for


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


def test_keep_instance_stores_other_bytes_of_a_uid_beside_the_first(store: FileStore):
    keys = []
    for content in (b"first", b"first", b"corrected", b"corrected"):
        staged, digests = store.stage(io.BytesIO(content))
        keys.append(store.keep_instance(staged, "1.2.3.4", digests))
        assert not staged.exists()
    assert keys[0] == keys[1] == storage_key_for("1.2.3.4")
    assert keys[2] == keys[3] != keys[0]
    assert store.path_of(keys[0]).read_bytes() == b"first"
    assert store.path_of(keys[2]).read_bytes() == b"corrected"
    assert keys[2] == version_key_for("1.2.3.4", hashlib.sha256(b"corrected").hexdigest())
    assert list(Path(store.root, "tmp").iterdir()) == []
