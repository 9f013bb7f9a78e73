"""Benchmark rendering and ingest against Orthanc on a synthetic 300-slice CT, in one run.

Usage (as root, from the repository root):

    python bench/bench_render.py [--slices 300] [--ours-url TEMPLATE] [--ours-command CMD]

Orthanc 1.10 cannot bind to loopback only (it listens on 0.0.0.0), so the whole benchmark
re-executes itself inside a private network namespace that has nothing but loopback
(``unshare --net``): Orthanc, our HTTP server and the HTTP client all live in it, and no
port is ever reachable from outside the machine. Orthanc also runs with remote access
refused, its DICOM port off and storage in a temporary folder.

Ingest is measured as ingest_paths() in this process for ours (the upload's transfer is
not part of it) and as POST /instances over a keep-alive loopback connection for Orthanc.
It runs --ingest-runs times (3 by default), each run ours first and then Orthanc, each
side into a fresh store (a new Orthanc process with empty storage); every run is printed
and the table shows the medians. The last run's stores serve the rendering benchmarks.
Each run also prints CPU milliseconds per file (this process for ours; Orthanc's server
process for Orthanc, without the client's), which the other users of the machine disturb
less than files per second.
"Warm" repeats one request, which our encoded-image cache answers; "W/L drag" asks for a
new window each time, so it shows decoded-frame cache + new LUT + encode.

"Ours over HTTP" is the portal's real byte API (bench/portal_api_server.py: session cookie
checked in the database on every request, then the render) under granian. To measure another
server instead, pass ``--ours-command`` (a shell command started inside the namespace,
with IEP_BENCH_STORE naming the file store) and ``--ours-url`` with the placeholders
{key} (storage key), {frame}, {center} and {width}; JPEG is asked for with
``Accept: image/jpeg``, as from Orthanc.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from iep_app.dicom import lut, pixels, render  # noqa: E402
from iep_app.dicom.ingest import ingest_paths  # noqa: E402
from iep_app.dicom.store import FileStore  # noqa: E402
from iep_app.dicom.synthetic import make_ct_series  # noqa: E402

INSIDE_NAMESPACE = "IEP_BENCH_IN_NETNS"
ORTHANC_PORT, OURS_PORT = 8042, 8043
ORTHANC_URL = "/instances/{key}/frames/{frame}/rendered?window-center={center}&window-width={width}"
OURS_URL = f"http://127.0.0.1:{OURS_PORT}{ORTHANC_URL}"
OURS_COMMAND = (
    f"granian --interface asgi --host 127.0.0.1 --port {OURS_PORT} --workers 1 "
    "--no-log bench.portal_api_server:app"
)
WINDOW = (40, 400)
GOALS = {"warm PNG": 0.5, "warm JPEG q90": 0.5, "cold scroll PNG": 1.0, "W/L drag PNG": None}


def main() -> None:
    args = _arguments()
    if os.environ.get(INSIDE_NAMESPACE) != "1":
        _reexecute_in_network_namespace()
    with tempfile.TemporaryDirectory(prefix="iep-bench-") as tmp:
        _run(args, Path(tmp))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--warm-requests", type=int, default=100)
    parser.add_argument("--ingest-runs", type=int, default=3)
    parser.add_argument("--ours-url", default=OURS_URL)
    parser.add_argument("--ours-command", default=OURS_COMMAND)
    return parser.parse_args()


def _reexecute_in_network_namespace() -> None:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        sys.exit("The benchmark needs root and unshare(1) to isolate Orthanc's 0.0.0.0 port.")
    env = {**os.environ, INSIDE_NAMESPACE: "1"}
    script = 'ip link set lo up && exec "$@"'
    command = ["unshare", "--net", "sh", "-c", script, "sh", sys.executable, *sys.argv]
    sys.exit(subprocess.call(command, env=env))


def _run(args: argparse.Namespace, tmp: Path) -> None:
    started = time.perf_counter()
    paths = make_ct_series(tmp / "series", slices=args.slices, size=args.size)
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"synthetic CT: {len(paths)} slices {args.size}x{args.size}, {size_mb:.1f} MB, ", end="")
    print(f"made in {time.perf_counter() - started:.1f} s")

    with contextlib.ExitStack() as last_orthanc:
        ours_rates, orthanc_rates = [], []
        for run in range(1, args.ingest_runs + 1):
            last_orthanc.close()  # the previous run's Orthanc
            # Earlier runs' files are kept until the end: on ext4 without a journal (this
            # machine's), creating files just after deleting many scans past the recently
            # deleted inodes, which would slow whichever side comes next.
            folder = tmp / f"run-{run}"
            store = FileStore(folder / "store")
            ours_rate, ours_cpu, keys = _ingest_ours(paths, store)
            server = _orthanc(folder)
            orthanc = last_orthanc.enter_context(server)
            orthanc_rate, orthanc_cpu, ids = _ingest_orthanc(orthanc, server.process.pid, paths)
            ours_rates.append(ours_rate)
            orthanc_rates.append(orthanc_rate)
            print(
                f"ingest run {run}: ours {ours_rate:.0f} files/s ({ours_cpu:.2f} ms CPU/file), "
                f"Orthanc {orthanc_rate:.0f} files/s ({orthanc_cpu:.2f} ms CPU/file in its process), "
                f"ours/Orthanc {ours_rate / orthanc_rate:.2f}x"
            )
        with _ours(args.ours_command, store, args.ours_url) as ours:
            results = _render_benchmarks(args, orthanc, ids, ours, keys)
    ingest = (statistics.median(ours_rates), statistics.median(orthanc_rates))
    results["ingest (files/s)"] = ingest
    print(f"ingest medians of {len(ours_rates)} runs: ours {ingest[0]:.0f}, Orthanc {ingest[1]:.0f} files/s")
    _print_results(results)
    print(f"whole benchmark: {time.perf_counter() - started:.0f} s")


def _ingest_ours(paths: list[Path], store: FileStore) -> tuple[float, float, list[str]]:
    """Files per second through ingest_paths into an empty store, CPU ms per file, keys."""
    os.sync()  # no write-back of earlier files running during the measure, for either side
    t0, cpu0 = time.perf_counter(), time.process_time()
    report = ingest_paths(paths, store)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    assert len(report.instances) == len(paths), report.rejected
    keys = [instance.storage_key for instance in report.instances]
    return len(paths) / seconds, cpu / len(paths) * 1000, keys


def _ingest_orthanc(orthanc: _Http, pid: int, paths: list[Path]) -> tuple[float, float, list[str]]:
    """Files per second through Orthanc's POST /instances, its CPU ms per file, its IDs."""
    os.sync()
    t0, cpu0 = time.perf_counter(), _cpu_seconds(pid)
    ids = [json.loads(orthanc.post("/instances", p.read_bytes()))["ID"] for p in paths]
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds(pid) - cpu0
    return len(paths) / seconds, cpu / len(paths) * 1000, ids


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, all its threads, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _render_benchmarks(args, orthanc, ids, ours, keys) -> dict[str, tuple[float, float]]:
    """Median milliseconds per frame, ours and Orthanc's, over keep-alive connections."""

    def orthanc_url(index: int, window: tuple[int, int] = WINDOW) -> str:
        return ORTHANC_URL.format(key=ids[index], frame=0, center=window[0], width=window[1])

    def ours_url(index: int, window: tuple[int, int] = WINDOW) -> str:
        return ours.url(key=keys[index], frame=0, center=window[0], width=window[1])

    results = {}
    # Cold first: every slice rendered for the first time by each server, in scroll order.
    results["cold scroll PNG"] = (
        _median_ms(lambda i: ours.get(ours_url(i)), range(len(keys))),
        _median_ms(lambda i: orthanc.get(orthanc_url(i)), range(len(ids))),
    )
    middle = len(keys) // 2
    for label, accept in (("warm PNG", "image/png"), ("warm JPEG q90", "image/jpeg")):
        ours_warm = _warm(lambda a=accept: ours.get(ours_url(middle), a), args.warm_requests)
        orthanc_warm = _warm(lambda a=accept: orthanc.get(orthanc_url(middle), a), args.warm_requests)
        results[label] = (ours_warm, orthanc_warm)
    # Dragging the window: the same decoded frame, a new window (so a new LUT) each time.
    drag = [(40 + i, 400 + 3 * i) for i in range(args.warm_requests)]
    results["W/L drag PNG"] = (
        _median_ms(lambda i: ours.get(ours_url(middle + 1, drag[i])), range(len(drag))),
        _median_ms(lambda i: orthanc.get(orthanc_url(middle + 1, drag[i])), range(len(drag))),
    )
    return results


def _median_ms(request: Callable[[int], bytes], indexes: range) -> float:
    times = []
    for index in indexes:
        t0 = time.perf_counter()
        request(index)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def _warm(request: Callable[[], bytes], count: int) -> float:
    for _ in range(5):
        request()
    return _median_ms(lambda _: request(), range(count))


def _print_results(results: dict[str, tuple[float, float]]) -> None:
    used, cap = pixels.frame_cache_usage()
    print(
        f"memory caps: decoded frames {cap / 2**20:.0f} MiB (LRU by bytes), "
        f"LUTs {lut.LUT_CACHE_ENTRIES} x 64 KiB = {lut.LUT_CACHE_ENTRIES * 64 / 1024:.0f} MiB, "
        f"encoded images {render.ENCODED_CACHE_BYTES / 2**20:.0f} MiB, "
        f"headers {pixels.HEADER_CACHE_ENTRIES} entries"
    )
    print(f"{'measure':22s} {'ours':>10s} {'Orthanc':>10s} {'ours/Orthanc':>13s}  goal")
    for label, (ours, orthanc) in results.items():
        ratio = ours / orthanc
        if label.startswith("ingest"):
            goal, met = "ours/Orthanc >= 5", ratio >= 5
            print(f"{label:22s} {ours:10.0f} {orthanc:10.0f} {ratio:12.2f}x  {goal}", end="")
        else:
            limit = GOALS[label]
            goal = f"<= {limit}x" if limit else "(no goal)"
            met = limit is None or ratio <= limit
            print(f"{label + ' (ms)':22s} {ours:10.2f} {orthanc:10.2f} {ratio:12.2f}x  {goal}", end="")
        print(("  met" if met else "  MISSED") if GOALS.get(label, 1) else "")


class _Http:
    """A keep-alive HTTP/1.1 client for one server on loopback."""

    def __init__(self, base: str, template: str = "") -> None:
        parts = urlsplit(base)
        self.template = template
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def url(self, **values: object) -> str:
        parts = urlsplit(self.template.format(**values))
        return f"{parts.path}?{parts.query}" if parts.query else parts.path

    def get(self, path: str, accept: str = "image/png") -> bytes:
        return self._request("GET", path, None, {"Accept": accept})

    def post(self, path: str, body: bytes) -> bytes:
        return self._request("POST", path, body, {"Content-Type": "application/dicom"})

    def _request(self, method: str, path: str, body: bytes | None, headers: dict) -> bytes:
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # servers close idle keep-alive connections (Orthanc after about a second)
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: HTTP {response.status} {data[:200]!r}")
        return data


class _Server:
    """A server process started for the benchmark and stopped by its own process id."""

    def __init__(self, command: list[str], url: str, log: Path, template: str = "", **popen):
        self.url, self.template = url, template
        self.log = open(log, "wb")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, **popen)

    def __enter__(self) -> _Http:
        deadline = time.monotonic() + 30
        while not self._answers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.__exit__()
                raise RuntimeError(f"server did not start, see {self.log.name}")
            time.sleep(0.1)
        return _Http(self.url, self.template)

    def _answers(self) -> bool:
        """Any HTTP response, even 404, means the server is up."""
        try:
            _Http(self.url).connection.request("GET", "/")
            return True
        except OSError:
            return False

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _orthanc(tmp: Path) -> _Server:
    """An Orthanc with empty storage and index in tmp."""
    config = {
        "Name": "iep-bench",
        "StorageDirectory": str(tmp / "orthanc-storage"),
        "IndexDirectory": str(tmp / "orthanc-index"),
        "HttpPort": ORTHANC_PORT,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "DicomServerEnabled": False,
        "Plugins": [],
        "KeepAlive": True,
    }
    (tmp / "orthanc.json").write_text(json.dumps(config))
    command = ["Orthanc", str(tmp / "orthanc.json")]
    return _Server(command, f"http://127.0.0.1:{ORTHANC_PORT}", tmp / "orthanc.log")


def _ours(command: str, store: FileStore, template: str) -> _Server:
    parts = urlsplit(template)
    env = {**os.environ, "IEP_BENCH_STORE": str(store.root), "PYTHONPATH": str(REPO)}
    # the server's tools (granian) come from the same virtualenv as this interpreter
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    base = f"{parts.scheme}://{parts.netloc}"
    log = store.root.parent / "ours.log"
    return _Server(["sh", "-c", f"exec {command}"], base, log, template, env=env, cwd=REPO)


if __name__ == "__main__":
    main()
