"""Two packages on the running portal: the victim's (verified, with a live code) and another one
whose tab the attacker holds; what the victim's data looks like; snapshots of what must not change."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pydicom
from pydicom.data import get_testdata_file

from iep_app.states.recipient.link import LinkState
from tests.support.raw_socket import RawTab
from tests.support.smtp import one_time_password, start_link

LINK_STATE = LinkState.get_full_name()

# Audit actions a refused caller may legitimately leave behind (and their rate-limit rows).
DENIALS = ("access_denied", "staff_sign_in_failed", "code_refused")
# Tables whose rows say who may see what, what was sent and what happened.
TABLES = {
    "transaction": "id",
    "transactioninstance": "transaction_pk",
    "accesslink": "transaction_pk",
    "otpchallenge": "transaction_pk",
    "recipientsession": "transaction_pk",
    "message": "transaction_pk",
    "outboxmessage": "transaction_pk",
    "auditevent": "transaction_pk",
    "individual": None,
    "staffuser": None,
    "staffsession": None,
    "organisation": None,
}
# Every audited event moves a package's "last activity", refusals included.
IGNORED_COLUMNS = {"transaction": {"last_activity_at"}}


@dataclass
class Package:
    public_id: str
    pk: int
    email: str
    codes_to: str
    patient_name: str
    patient_id: str
    link_token: str
    individual_pk: int = 0
    instance_pk: int = 0


@dataclass
class Scene:
    victim: Package
    other: Package
    victim_code: str  # live: asked for after the victim verified, never typed
    other_tab: str  # the client token of a tab verified for the other package
    third: Package
    third_tab: str  # another verified tab, for calls with arguments of the wrong type


def dicom_of(folder: Path, patient_name: str, patient_id: str) -> Path:
    """A small CT of one named patient."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.PatientName, ds.PatientID = patient_name, patient_id
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{patient_id}.dcm"
    ds.save_as(path)
    return path


def query(portal, sql: str, *params: object) -> list[tuple]:  # type: ignore[no-untyped-def]
    with sqlite3.connect(f"file:{portal.data_dir / 'iep.db'}?mode=ro", uri=True) as connection:
        return connection.execute(sql, params).fetchall()


def share(portal, folder: Path, who: str, patient_name: str, patient_id: str) -> Package:  # type: ignore[no-untyped-def]
    email, codes_to = f"{who}@example.org", f"{who}.codes@example.org"
    result = portal.iep(
        "share", str(dicom_of(folder, patient_name, patient_id)), "--to", email, "--otp-email", codes_to
    )
    assert result.returncode == 0, result.stderr
    public_id = result.stdout.strip().split(":")[0].split()[-1]
    link = start_link(portal.smtp.wait_for(to=email))
    ((pk, individual_pk),) = query(
        portal, 'SELECT id, recipient_pk FROM "transaction" WHERE public_id = ?', public_id
    )
    ((instance_pk,),) = query(
        portal, "SELECT instance_pk FROM transactioninstance WHERE transaction_pk = ?", pk
    )
    token = link.rsplit("/", 1)[1]
    patient = (patient_name, patient_id)
    return Package(public_id, pk, email, codes_to, *patient, token, individual_pk, instance_pk)


def ask_code(portal, tab: RawTab, package: Package) -> str:  # type: ignore[no-untyped-def]
    """Open the package's link on this tab and click "Click here to start": the emailed code."""
    path = f"/t/{package.link_token}"
    tab.call(f"{LINK_STATE}.on_load", {}, path=path, query={"token": package.link_token})
    received = len(portal.smtp.messages)
    tab.call(f"{LINK_STATE}.start", {}, path=path, query={"token": package.link_token})
    return one_time_password(portal.smtp.wait_for(to=package.codes_to, after=received))


def verify(portal, package: Package) -> str:  # type: ignore[no-untyped-def]
    """A tab verified for the package, as its recipient's browser makes one: its client token."""
    tab = RawTab(portal.url)
    code = ask_code(portal, tab, package)
    path = f"/t/{package.link_token}"
    answer = tab.call(f"{LINK_STATE}.submit_code", {"form_data": {"code": code}}, path=path)
    assert "fetch('/api/session'" in answer, answer[-2000:]
    tab.close()
    return tab.token


def make_scene(portal, folder: Path) -> Scene:  # type: ignore[no-untyped-def]
    victim = share(portal, folder, "victim", "VICTIM^ALICE", "VICTIM-0001")
    other = share(portal, folder, "other", "OTHER^BOB", "OTHER-0002")
    verify(portal, victim)
    second = RawTab(portal.url)
    victim_code = ask_code(portal, second, victim)
    second.close()
    third = share(portal, folder, "third", "THIRD^CAROL", "THIRD-0003")
    return Scene(victim, other, victim_code, verify(portal, other), third, verify(portal, third))


def secrets_in(frames: str, scene: Scene, backend_vars: list[str]) -> list[str]:
    """What of the victim's, or of any server-only var, an answer carries."""
    victim = scene.victim
    words = [victim.public_id, victim.patient_name, "VICTIM", victim.patient_id, victim.email]
    words += [victim.codes_to, victim.link_token]
    found = [word for word in words if word in frames]
    if re.search(rf"(?<!\d){scene.victim_code}(?!\d)", frames):
        found.append("the victim's one-time password")
    found += [f"backend var {name}" for name in backend_vars if f'"{name}_rx_state_"' in frames]
    return found


def snapshot(portal, *, leave_out: int | None = None) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    """The rows that matter and the files in the staging and store folders.

    Args:
        leave_out: a transaction whose own rows may change (the attacker's own package).
    """
    tables: dict[str, list[tuple]] = {}
    for table, owner in TABLES.items():
        columns = [row[1] for row in query(portal, f'PRAGMA table_info("{table}")')]
        kept = [c for c in columns if c not in IGNORED_COLUMNS.get(table, set())]
        rows = query(portal, f'SELECT {", ".join(kept)} FROM "{table}"')  # noqa: S608 (our own names)
        if owner and leave_out is not None:
            rows = [r for r in rows if r[kept.index(owner)] != leave_out]
        if table == "auditevent":
            rows = [r for r in rows if r[kept.index("action")] not in DENIALS]
        tables[table] = sorted(rows, key=repr)
    for folder in ("staging", "store"):
        root = portal.data_dir / folder
        files = sorted(root.rglob("*")) if root.exists() else []
        tables[folder] = [(str(p.relative_to(root)), p.stat().st_size if p.is_file() else -1) for p in files]
    return tables


def changes(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]
