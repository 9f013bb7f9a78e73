"""A deflated data set is measured in a stream before pydicom inflates it, and refused past a cap."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib
from pathlib import Path

import pydicom
import pytest

from iep_app.dicom import deflate, index
from iep_app.dicom.ingest import ingest_paths


def _element(tag: tuple[int, int], vr: bytes, value: bytes) -> bytes:
    if vr in (b"OB", b"UN"):
        return struct.pack("<HH2sHI", *tag, vr, 0, len(value)) + value
    return struct.pack("<HH2sH", *tag, vr, len(value)) + value


def _deflate_bomb(path: Path, inflated_bytes: int) -> Path:
    """A tiny file whose deflated data set holds one huge run of zeros."""
    syntax = deflate.DEFLATED_SYNTAX.encode() + b"\x00"
    meta = _element((2, 1), b"OB", b"\x00\x01") + _element((2, 0x10), b"UI", syntax)
    meta = _element((2, 0), b"UL", struct.pack("<I", len(meta))) + meta
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = io.BytesIO()
    body.write(packer.compress(_element((0x0008, 0x0018), b"UI", b"1.2.3.4.5\x00")))
    body.write(packer.compress(struct.pack("<HH2sHI", 0x0009, 0x1010, b"OB", 0, inflated_bytes)))
    zeros = bytes(1024**2)
    for _ in range(inflated_bytes // len(zeros)):
        body.write(packer.compress(zeros))
    body.write(packer.flush())
    path.write_bytes(b"\x00" * 128 + b"DICM" + meta + body.getvalue())
    return path


def test_the_meta_group_is_walked_to_the_data_set(tmp_path):
    bomb = _deflate_bomb(tmp_path / "bomb.dcm", 2 * 1024**2)
    with open(bomb, "rb") as fp:
        syntax, start = deflate.meta_syntax_and_end(fp)
    assert syntax == deflate.DEFLATED_SYNTAX
    assert (
        zlib.decompressobj(-zlib.MAX_WBITS).decompress(bomb.read_bytes()[start:], 8)[:4]
        == b"\x08\x00\x18\x00"
    )


def test_a_deflate_bomb_is_refused_with_a_reason_and_little_memory(tmp_path, store, monkeypatch):
    monkeypatch.setattr(deflate, "MAX_INFLATED_BYTES", 16 * 1024**2)
    bomb = _deflate_bomb(tmp_path / "bomb.dcm", 64 * 1024**2)
    assert bomb.stat().st_size < 200 * 1024
    tracemalloc.start()
    report = ingest_paths([bomb], store)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert report.instances == []
    assert [r.reason for r in report.rejected] == [index.TOO_LARGE_INFLATED]
    assert peak < 8 * 1024**2


def test_an_ordinary_deflated_file_is_still_read(corpus):
    ds = index.read_header(corpus / "image_dfl.dcm")
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.DeflatedExplicitVRLittleEndian


@pytest.mark.parametrize("cut", [0, 100, 133, 140])
def test_a_cut_meta_group_is_left_to_the_parser(tmp_path, corpus, cut):
    path = tmp_path / "cut.dcm"
    path.write_bytes((corpus / "image_dfl.dcm").read_bytes()[:cut])
    with open(path, "rb") as fp:
        assert deflate.meta_syntax_and_end(fp) is None
