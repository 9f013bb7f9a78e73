"""Benchmark of the DICOM media download: HTTP throughput against cat and Orthanc, and memory.

Run as root from the repository root: ``python bench/bench_download.py``. It re-runs itself in
a private network namespace that has only loopback (``unshare --net``), because Orthanc 1.10
cannot bind to 127.0.0.1 alone; our server, Orthanc and the curl clients all live in that
namespace, so nothing is reachable from outside. Without root or unshare, Orthanc is skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.download_app import media_layout  # noqa: E402
from iep_app.dicom.export_item import ExportItem  # noqa: E402
from tests.unit.export.corpus import item_from_file  # noqa: E402

MB = 1e6
CURL = ["curl", "-sf", "-o", "/dev/null"]


def main() -> None:
    args = _arguments()
    if _should_enter_namespace(args):
        script = 'ip link set lo up && exec "$@"'
        command = [sys.executable, __file__, "--inside-netns", *sys.argv[1:]]
        unshare = ["unshare", "--net", "--", "sh", "-c", script, "sh", *command]
        sys.exit(subprocess.run(unshare, check=False).returncode)
    with tempfile.TemporaryDirectory(prefix="iep-bench-download-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        files, maker = _make_study(work / "study", args.slices)
        small = [item_from_file(path) for path in files]
        large = _replicate(small, 10)
        print(f"study: {len(files)} files, {_mb(small):.1f} MB, made by {maker}")
        print(f"large: {len(large)} instances in 10 series, {_mb(large):.0f} MB (same files)")
        manifest = work / "manifest.json"
        manifest.write_text(json.dumps({"small": _rows(small), "large": _rows(large)}))
        ours_seconds = _report_ours(manifest, files, small, large, args.runs)
        if args.inside_netns:
            _report_orthanc(files, work, ours_seconds)
        else:
            print("Orthanc: skipped (needs root and unshare for a private network namespace)")
        print(f"total benchmark time: {time.perf_counter() - started:.0f} s")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5, help="timed runs for cat and ours")
    parser.add_argument("--no-netns", action="store_true", help="skip Orthanc, stay here")
    parser.add_argument("--inside-netns", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def _should_enter_namespace(args: argparse.Namespace) -> bool:
    if args.inside_netns or args.no_netns or shutil.which("Orthanc") is None:
        return False
    return os.geteuid() == 0 and shutil.which("unshare") is not None


def _make_study(out_dir: Path, slices: int) -> tuple[list[Path], str]:
    try:
        from iep_app.dicom.synthetic import make_ct_series  # written by the dicom branch
    except ImportError:
        return _write_ct_series(out_dir, slices), "the benchmark's own writer"
    return make_ct_series(out_dir, slices=slices), "iep_app.dicom.synthetic"


def _write_ct_series(out_dir: Path, slices: int) -> list[Path]:
    """Write 512x512 signed 16-bit CT slices: enough for bytes, not meant to be looked at."""
    out_dir.mkdir(parents=True)
    rng = np.random.default_rng(0)
    noise = rng.integers(-1024, 1500, size=(512, 512), dtype=np.int16)
    study, series = generate_uid(), generate_uid()
    paths = []
    for index in range(slices):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.PatientName, ds.PatientID, ds.Modality = "BENCH^PATIENT", "BENCH1", "CT"
        ds.StudyInstanceUID, ds.StudyDate, ds.StudyTime, ds.StudyID = study, "20250101", "1200", "1"
        ds.SeriesInstanceUID, ds.SeriesNumber, ds.InstanceNumber = series, "1", str(index + 1)
        ds.Rows = ds.Columns = 512
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.PixelData = np.roll(noise, index, axis=0).tobytes()
        path = out_dir / f"CT{index + 1:04d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def _replicate(items: list[ExportItem], copies: int) -> list[ExportItem]:
    # The same files under new UIDs: a 10x study without 10x the disk.
    return [
        dataclasses.replace(
            item,
            series_instance_uid=generate_uid(entropy_srcs=[item.series_instance_uid, str(k)]),
            series_number=str(k + 1),
            sop_instance_uid=generate_uid(entropy_srcs=[item.sop_instance_uid, str(k)]),
        )
        for k in range(copies)
        for item in items
    ]


def _rows(items: list[ExportItem]) -> list[dict[str, object]]:
    return [{**dataclasses.asdict(item), "path": str(item.path)} for item in items]


def _report_ours(
    manifest: Path, files: list[Path], small: list[ExportItem], large: list[ExportItem], runs: int
) -> float:
    """Print our throughput against cat, and peak memory; return our time for the study."""
    layout = media_layout(small)
    expected = hashlib.sha256(b"".join(layout.iter_range())).hexdigest()
    cat = ["cat", *map(str, files)]
    subprocess.run(cat, stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    with _server(manifest) as (base, pid):
        url = f"{base}/media/small.zip"
        served = subprocess.run(["curl", "-sf", url], capture_output=True, check=True).stdout
        assert hashlib.sha256(served).hexdigest() == expected, "served bytes differ from layout"
        del served
        # Alternated, so that a noisy neighbour slows both alike.
        ceiling = f"{base}/ceiling/small.zip"
        _timed_curl(ceiling)  # its first request reads the files once for the chunk sizes
        times: dict[str, list[float]] = {"cat": [], "ours": [], "local": [], "ceiling": []}
        for _ in range(runs):
            times["cat"].append(_timed(cat))
            times["ours"].append(_timed_curl(url)[0])
            times["local"].append(_timed_in_process(small))
            times["ceiling"].append(_timed_curl(ceiling)[0])
        cat_s, ours_s, local_s, ceiling_s = (statistics.median(t) for t in times.values())
        first_byte = _curl_time_to_first_byte(url)
        idle_rss = _status_kib(pid, "VmRSS") * 1024
        rss_small = _peak_rss_growth(pid, url)
        rss_large = _peak_rss_growth(pid, f"{base}/media/large.zip")
    print(f"cat of the {len(files)} files to /dev/null: {_mb(small) / cat_s:6.0f} MB/s", end=" ")
    print(f"(median of {runs}, alternating with ours)")
    print(
        f"ours over HTTP (granian + curl):   {_mb(small) / ours_s:6.0f} MB/s of DICOM files, "
        f"{layout.total_length / MB / ours_s:.0f} MB/s of zip ({layout.total_length / MB:.1f} MB; "
        f"first byte after {first_byte * 1000:.0f} ms; sha256 of the body verified)"
    )
    print(f"ratio ours / cat: {cat_s / ours_s:.0%} (goal >= 50%)")
    print(
        f"  ours in-process, no HTTP (layout built, every byte read): {_mb(small) / local_s:.0f} "
        f"MB/s, {cat_s / local_s:.0%} of cat"
    )
    print(
        f"  the HTTP stack alone (same chunks from memory, no files): {_mb(small) / ceiling_s:.0f} "
        f"MB/s, {cat_s / ceiling_s:.0%} of cat"
    )
    print(f"server worker RSS when idle: {idle_rss / MB:.0f} MB")
    for items, growth in ((small, rss_small), (large, rss_large)):
        print(f"server peak RSS growth, {_mb(items):.0f} MB study: {growth / MB:.1f} MB", end=" ")
        print("(goal < 50 MB)")
    return ours_s


def _mb(items: list[ExportItem]) -> float:
    return sum(item.size for item in items) / MB


@contextlib.contextmanager
def _server(manifest: Path) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = {**os.environ, "IEP_BENCH_MANIFEST": str(manifest), "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1",
        "--port", str(port), "--workers", "1", "--no-ws", "--log-level", "warning",
        "bench.download_app:app",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        yield base, int(_wait_for(f"{base}/pid", server).text)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the group we started: granian and its worker
        server.wait(timeout=10)


def _report_orthanc(files: list[Path], work: Path, ours_seconds: float) -> None:
    """Print Orthanc's rate for the same study as a zip, and ours against it."""
    port = _free_port()
    config = work / "orthanc.json"
    config.write_text(
        json.dumps(
            {
                "Name": "iep-bench",
                "StorageDirectory": str(work / "orthanc-storage"),
                "IndexDirectory": str(work / "orthanc-index"),
                "HttpPort": port,
                "RemoteAccessAllowed": False,
                "AuthenticationEnabled": False,
                "DicomServerEnabled": False,
                "Plugins": [],
            }
        )
    )
    log = (work / "orthanc.log").open("wb")
    orthanc = subprocess.Popen(["Orthanc", str(config)], stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/system", orthanc, timeout=30)
        study = ""
        with httpx.Client(base_url=base, timeout=60) as client:
            for path in files:
                answer = client.post("/instances", content=path.read_bytes())
                study = answer.raise_for_status().json()["ParentStudy"]
        seconds, size = _timed_curl(f"{base}/studies/{study}/archive")
    finally:
        orthanc.terminate()
        orthanc.wait(timeout=30)
    study_mb = sum(path.stat().st_size for path in files) / MB
    print(
        f"Orthanc GET /studies/{{id}}/archive: {study_mb / seconds:6.1f} MB/s of DICOM files "
        f"({size / MB:.1f} MB zip in {seconds:.1f} s)"
    )
    print(f"ratio ours / Orthanc: {seconds / ours_seconds:.0f}x (goal >= 20x)")


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def _timed_in_process(items: list[ExportItem]) -> float:
    started = time.perf_counter()
    for _chunk in media_layout(items).iter_range():
        pass
    return time.perf_counter() - started


def _timed_curl(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    size = subprocess.run(
        [*CURL, "-w", "%{size_download}", url], capture_output=True, text=True, check=True
    ).stdout
    return time.perf_counter() - started, int(size)


def _curl_time_to_first_byte(url: str) -> float:
    out = subprocess.run(
        [*CURL, "-w", "%{time_starttransfer}", url], capture_output=True, text=True, check=True
    ).stdout
    return float(out)


def _peak_rss_growth(pid: int, url: str) -> int:
    # Writing 5 to clear_refs resets the peak (VmHWM) to the current resident size.
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    before = _status_kib(pid, "VmRSS")
    subprocess.run([*CURL, url], check=True)
    return (_status_kib(pid, "VmHWM") - before) * 1024


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 20) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            return httpx.get(url, timeout=2).raise_for_status()
        time.sleep(0.1)
    raise TimeoutError(url)


if __name__ == "__main__":
    main()
