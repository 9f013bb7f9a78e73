"""The built app served for real (`iep serve`) with a real SMTP server, for browser and security tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.smtp import SmtpSink, free_port

ROOT = Path(__file__).resolve().parents[2]
IEP = [sys.executable, "-m", "iep_app.cli"]


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Portal:
    """The running app and what a test needs to drive it."""

    url: str
    env: dict[str, str]
    smtp: SmtpSink
    data_dir: Path
    root: Path
    log_path: Path

    def iep(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*IEP, *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"iep serve exited with {process.returncode}")
        try:
            with (
                urllib.request.urlopen(f"{url}/ping", timeout=2),  # noqa: S310 (loopback)
                urllib.request.urlopen(url, timeout=5),  # noqa: S310
            ):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("iep serve did not answer in time")


def project_copy(target: Path) -> Path:
    """The app's sources in another folder, so a second server builds its own front end.

    Reflex bakes the server's port into the compiled front end in `.web/`: two servers built
    from one folder would overwrite each other's pages.
    """
    for name in ("rxconfig.py", "alembic.ini", "pyproject.toml"):
        shutil.copy2(ROOT / name, target / name)
    for name in ("iep_app", "alembic", "assets", "reflex.lock"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    (target / ".tools").symlink_to(ROOT / ".tools")
    return target


@contextmanager
def running_portal(base: Path, *, root: Path = ROOT, extra_env: dict[str, str] | None = None):
    """Serve the app for real (`iep serve`) with its mail going to a real SMTP server."""
    smtp = SmtpSink().start()
    port = free_port()
    data_dir = base / "data"
    env = {
        **os.environ,
        "IEP_DATA_DIR": str(data_dir),
        "IEP_PORT": str(port),
        "IEP_PUBLIC_URL": f"http://localhost:{port}",
        "IEP_SMTP_HOST": "127.0.0.1",
        "IEP_SMTP_PORT": str(smtp.port),
        "IEP_SMTP_TLS": "none",
        "IEP_ORG_NAME": "St Elsewhere Hospital",
        "IEP_ORG_EMAIL": "imaging@stelsewhere.example.org",
        # Tests on this machine play clients of several addresses through X-Forwarded-For
        # (budgets per address); anything else connecting keeps its own peer address.
        "IEP_TRUSTED_PROXIES": "127.0.0.1",
        **(extra_env or {}),
    }
    log_path = base / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*IEP, "serve"], env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_up(f"http://localhost:{port}", process)
        yield Portal(
            url=f"http://localhost:{port}",
            env=env,
            smtp=smtp,
            data_dir=data_dir,
            root=root,
            log_path=log_path,
        )
    except RuntimeError:
        print(log_path.read_text()[-5000:])
        raise
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        smtp.stop()
    # Stopping `iep serve` must stop the Reflex server and every worker it started.
    left = _processes_of(port)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"iep serve left {len(left)} processes running after it stopped"


def _processes_of(port: int, wait: float = 10.0) -> list[int]:
    """Processes still running with this portal's IEP_PORT, after giving them time to exit."""
    marker = f"IEP_PORT={port}\0".encode()
    deadline = time.monotonic() + wait
    while True:
        found = []
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                if marker in environ.read_bytes():
                    found.append(int(environ.parent.name))
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
