"""Seed 100,000 transactions and time the staff list's pages and searches on SQLite and PostgreSQL.

Usage: python bench/bench_admin_list.py [--rows 100000] [--backend sqlite|postgres|both]
PostgreSQL: IEP_BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres);
a throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("IEP_DATA_DIR", tempfile.mkdtemp(prefix="iep-bench-"))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

from iep_app.db import make_engine  # noqa: E402
from iep_app.models import Individual, Patient, Progress, Transaction  # noqa: E402
from iep_app.services.staff.search import ListQuery, list_transactions  # noqa: E402

PG_URL = os.environ.get("IEP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NOW = datetime.now(UTC)
FIRST = ["alex", "sam", "robin", "kim", "jo", "lee", "max", "charlie", "pat", "morgan"]
LAST = ["smith", "jones", "taylor", "brown", "williams", "wilson", "evans", "thomas", "roberts"]


def _seed(engine: Engine, rows: int) -> None:
    rng = random.Random(7)
    people, patients = rows // 5, rows // 3
    with engine.begin() as conn:
        conn.execute(
            insert(Individual),
            [
                {
                    "email": f"person{n}@example.org",
                    "first_name": rng.choice(FIRST),
                    "last_name": rng.choice(LAST),
                    "address": "",
                    "phone": "",
                    "preferred_language": "en",
                    "auth_method": "email",
                    "auth_mobile": "",
                    "auth_email": f"codes{n}@example.org",
                    "created_at": NOW,
                }
                for n in range(people)
            ],
        )
        conn.execute(
            insert(Patient),
            [
                {
                    "patient_id": f"MRN{n:07d}",
                    "patient_name": f"{rng.choice(LAST).upper()}^{rng.choice(FIRST).upper()}{n}",
                    "birth_date": "19700101",
                    "sex": "O",
                }
                for n in range(patients)
            ],
        )
        progress = [p.value for p in Progress]
        batch = []
        for n in range(1, rows + 1):
            created = NOW - timedelta(minutes=(rows - n) * 7)
            status = "revoked" if n % 37 == 0 else "declined" if n % 53 == 0 else "active"
            batch.append(
                {
                    "id": n,
                    "public_id": f"NS{n:06d}",
                    "recipient_pk": rng.randint(1, people),
                    "patient_pk": rng.randint(1, patients),
                    "sent_by": "Radiology",
                    "status": status,
                    "progress": rng.choice(progress),
                    "auth_method": "email",
                    "auth_destination": "codes@example.org",
                    "language": "en",
                    "decline_reason": "",
                    "created_at": created,
                    "available_until": created + timedelta(days=rng.choice([14, 30, 90])),
                    "last_activity_at": created + timedelta(hours=rng.randint(0, 200)),
                }
            )
            if len(batch) == 10_000:
                conn.execute(insert(Transaction), batch)
                batch = []
        if batch:
            conn.execute(insert(Transaction), batch)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def _time(engine: Engine, run: Callable[[Session], object], repeats: int = 7) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeats):
        with Session(engine) as session:
            start = time.perf_counter()
            page = run(session)
            times.append((time.perf_counter() - start) * 1000)
            rows = len(page.rows)  # type: ignore[attr-defined]
    return statistics.median(times), rows


def _middle_cursor(engine: Engine, rows: int) -> str:
    with Session(engine) as session:
        row = session.get(Transaction, rows // 2)
        assert row is not None
        return f"{row.created_at.isoformat()}~{row.id}"


def _cases(engine: Engine, rows: int) -> list[tuple[str, Callable[[Session], object]]]:
    middle = _middle_cursor(engine, rows)
    with Session(engine) as session:
        sample = session.get(Transaction, rows // 4)
        patient = session.get(Patient, sample.patient_pk if sample else 1)
        patient_id = patient.patient_id if patient else ""

    def listing(query: ListQuery = ListQuery(), **paging: object) -> Callable[[Session], object]:
        return lambda s: list_transactions(session=s, query=query, now=NOW, **paging)  # type: ignore[arg-type]

    return [
        ("first page (newest)", listing()),
        ("middle page (keyset)", listing(after=middle)),
        ("last page (oldest)", listing(last=True)),
        ("sorted by last activity", listing(ListQuery(sort="last_activity"))),
        ("search by ID", listing(ListQuery(search=f"NS{rows // 3:06d}"))),
        ("search by email", listing(ListQuery(search="person1234@example.org"))),
        ("search by patient ID", listing(ListQuery(search=patient_id))),
        ("search by name words", listing(ListQuery(search="smith alex"))),
        ("status = downloaded", listing(ListQuery(status="downloaded"))),
        ("status = revoked, oldest", listing(ListQuery(status="revoked"), last=True)),
    ]


def _report(name: str, engine: Engine, rows: int) -> None:
    started = time.perf_counter()
    SQLModel.metadata.create_all(engine)
    _seed(engine, rows)
    print(f"\n{name}: seeded {rows:,} transactions in {time.perf_counter() - started:.1f} s")
    print(f"  {'page':<28}{'median ms':>10}{'rows':>6}")
    for label, run in _cases(engine, rows):
        ms, count = _time(engine, run)
        print(f"  {label:<28}{ms:>10.1f}{count:>6}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    print("Each figure: median of 7 calls of list_transactions (page of 25 + total count).")
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/bench.db")
            _report("SQLite", engine, args.rows)
            engine.dispose()
    if args.backend in ("postgres", "both"):
        admin = make_engine(PG_URL)
        name = f"iep_bench_{os.getpid()}"
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(PG_URL.rsplit("/", 1)[0] + f"/{name}")
        try:
            _report("PostgreSQL", engine, args.rows)
        finally:
            engine.dispose()
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
