"""Run DCMTK's reference renderers (dcm2pnm, dcmj2pnm, dcml2pnm) on one frame of a file."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom import uid

from iep_app.dicom.lut import file_window
from iep_app.dicom.pixels import read_header

JPEG_SYNTAXES = {
    uid.JPEGBaseline8Bit,
    uid.JPEGExtended12Bit,
    uid.JPEGLossless,
    uid.JPEGLosslessSV1,
}
JPEG_LS_SYNTAXES = {uid.JPEGLSLossless, uid.JPEGLSNearLossless}


def available() -> bool:
    """Whether dcm2pnm is installed."""
    return shutil.which("dcm2pnm") is not None


def tool_for(path: Path) -> str | None:
    """The DCMTK renderer that decodes a file's transfer syntax; None if none does."""
    syntax = read_header(path).file_meta.get("TransferSyntaxUID")
    if syntax in JPEG_SYNTAXES:
        return "dcmj2pnm"
    if syntax in JPEG_LS_SYNTAXES:
        return "dcml2pnm"
    if syntax is not None and syntax.is_compressed and syntax != uid.RLELossless:
        return None  # JPEG 2000 and newer syntaxes: not in the free DCMTK
    return "dcm2pnm"


def window_options(path: Path) -> list[str]:
    """DCMTK options choosing the window render_frame uses by default."""
    ds = read_header(path)
    if not str(ds.get("PhotometricInterpretation", "")).startswith("MONOCHROME"):
        return []
    if file_window(ds) is not None:
        return ["+Wi", "1"]
    if "VOILUTSequence" in ds:
        return ["+Wl", "1"]
    return ["+Wm"]


def render(path: Path, frame: int = 0, extra: list[str] | None = None) -> np.ndarray | None:
    """Render one frame with DCMTK, overlays off; None if DCMTK cannot."""
    tool = tool_for(path)
    if tool is None:
        return None
    options = extra if extra is not None else window_options(path)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "frame.pnm"
        command = [tool, "-q", "-O", "+F", str(frame + 1), *options, "+op", str(path), str(out)]
        result = subprocess.run(command, capture_output=True, timeout=60)
        if result.returncode != 0 or not out.exists():
            return None
        return np.asarray(Image.open(out))
