"""The `iep` command: migrate, serve, share a study, load the demo, and staff tasks."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from iep_app.settings import SettingsError, get_settings

if TYPE_CHECKING:
    from iep_app.services.errors import ValidationFailed

PROJECT_ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("iep")


def migrate() -> None:
    """Bring the configured database to the newest schema."""
    from alembic.config import Config

    from alembic import command

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    command.upgrade(config, "head")


def reflex_environment() -> dict[str, str]:
    """The environment Reflex needs here: bun from the npm registry, no network probes."""
    env = dict(os.environ)
    tools = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"
    env["PATH"] = f"{tools}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("REFLEX_USE_SYSTEM_BUN", "1")
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    env.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
    env.setdefault("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org")
    settings = get_settings()
    if settings.redis_url:
        env.setdefault("REFLEX_REDIS_URL", settings.redis_url)
    return env


def check_organisation() -> None:
    """Seed the organisation row on first start; log one warning for variables it no longer matches."""
    from iep_app.db import session_scope
    from iep_app.services import organisation

    with session_scope() as session:
        organisation.warn_of_ignored_variables(session=session, settings=get_settings())


def cmd_serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    migrate()
    check_organisation()
    if args.demo:
        from iep_app.demo import ensure_demo

        ensure_demo(settings)
    command = [
        sys.executable,
        "-m",
        "reflex",
        "run",
        "--env",
        "prod",
        "--frontend-port",
        str(settings.port),
        "--backend-port",
        str(settings.port),
        "--loglevel",
        "warning",
    ]
    print(f"iep: serving on {settings.public_url} (Ctrl+C stops)", flush=True)
    # A process group of its own, so one signal stops Reflex and all its workers; whatever
    # stops `iep serve` (Ctrl+C, a service manager's SIGTERM) is passed on to that group, so
    # no worker is left serving patient data after its parent is gone.
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=reflex_environment(), start_new_session=True)

    def stop(_signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return process.wait()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def cmd_migrate(_: argparse.Namespace) -> int:
    migrate()
    print("iep: database is at the newest schema")
    return 0


async def _share(args: argparse.Namespace) -> int:
    from iep_app.db import session_scope
    from iep_app.dicom.ingest import ingest_paths
    from iep_app.dicom.store import FileStore
    from iep_app.models import AuthMethod, utcnow
    from iep_app.services import audit, outbox
    from iep_app.services.directory.contacts import ContactDetails
    from iep_app.services.transactions import sharing

    settings = get_settings()
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"iep share: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    report = ingest_paths(args.paths, FileStore(settings.store_dir))
    for rejected in report.rejected:
        print(f"  rejected {rejected.source_name}: {rejected.reason}")
    details = ContactDetails(
        email=args.to,
        first_name=args.first_name,
        last_name=args.last_name,
        auth_method=AuthMethod.SMS if args.otp_sms else AuthMethod.EMAIL,
        auth_mobile=args.otp_sms or "",
        auth_email=args.otp_email or "",
        preferred_language=args.language,
    )
    with session_scope() as session:
        shared = sharing.share(
            session=session,
            settings=settings,
            report=report,
            recipient=details,
            message=args.message,
            retention_days=args.retention_days,
            sent_by=settings.org_name,
            actor=audit.CLI,
            now=utcnow(),
        )
    status = await outbox.deliver(shared.outgoing, settings=settings, now=utcnow())
    print(
        f"{shared.transaction.public_id}: {len(shared.instances)} files, "
        f"{shared.study_count} studies, {shared.series_count} series shared with "
        f"{outbox.masked(outbox.EMAIL, details.email)}; {len(report.rejected)} files rejected; "
        f"link email {status.value.replace('_', ' ')}"
    )
    return 0 if status.value != "failed" else 1


def _in_english(error: ValidationFailed) -> str:
    """A refused input as the command line says it, with an outside validator's detail if any."""
    from iep_app.services.errors import message_of

    text = message_of(error, "en")
    return f"{text.rstrip('.')}: {error.detail}" if error.detail else text


def cmd_share(args: argparse.Namespace) -> int:
    from iep_app.services.errors import DomainError, ValidationFailed

    try:
        return asyncio.run(_share(args))
    except ValidationFailed as error:
        print(f"iep share: {error.field}: {_in_english(error)}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"iep share: {error}", file=sys.stderr)
        return 2


def cmd_demo(_: argparse.Namespace) -> int:
    from iep_app.demo import ensure_demo

    migrate()
    ensure_demo(get_settings(), always=True)
    return 0


def _read_password(args: argparse.Namespace) -> str:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password for the new account: ")
    if first != getpass.getpass("Same password again: "):
        raise ValueError("the two passwords differ")
    return first


def cmd_staff_add(args: argparse.Namespace) -> int:
    import segno

    from iep_app.db import session_scope
    from iep_app.models import utcnow
    from iep_app.services import audit, organisation
    from iep_app.services.errors import ValidationFailed
    from iep_app.services.staff import accounts

    migrate()
    settings = get_settings()
    try:
        password = _read_password(args)
        with session_scope() as session:
            user = accounts.add(
                session=session,
                secret_key=settings.secret_key,
                username=args.username,
                password=password,
                is_admin=args.admin,
                display_name=args.display_name,
                actor=audit.CLI,
                now=utcnow(),
            )
            org = organisation.current(session=session, settings=settings)
            enrol = accounts.enrolment(user, secret_key=settings.secret_key, issuer=f"iep {org.name}")
    except ValidationFailed as error:
        print(f"iep staff add: {_in_english(error)}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"iep staff add: {error}", file=sys.stderr)
        return 2
    role = "admin" if user.is_admin else "staff"
    # The secret goes to this terminal only, never to the log.
    print(f"Created {role} account {user.username}.")
    print("Add it to an authenticator app: scan the QR code at first sign-in, or now:")
    segno.make(enrol.uri, error="m").terminal(compact=True)
    print(f"TOTP secret: {enrol.secret}")
    print(f"otpauth URI: {enrol.uri}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="iep", description="iep image exchange portal")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, then serve the app on IEP_PORT")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="load the demo study first when the database has no transaction",
    )
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="migrate the database").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="share a new synthetic CT with the demo recipient").set_defaults(
        func=cmd_demo
    )
    share = sub.add_parser("share", help="share DICOM files, folders or zips with a recipient")
    share.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    share.add_argument("--to", required=True, help="the recipient's email address")
    share.add_argument("--first-name", default="")
    share.add_argument("--last-name", default="")
    channel = share.add_mutually_exclusive_group(required=True)
    channel.add_argument("--otp-email", help="send one-time passwords to this second address")
    channel.add_argument("--otp-sms", help="send one-time passwords by SMS to this +E164 number")
    share.add_argument("--message", default=None)
    share.add_argument("--retention-days", type=int, default=None)
    share.add_argument("--language", default="en")
    share.set_defaults(func=cmd_share)
    staff = sub.add_parser("staff", help="staff accounts of the admin page")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="create a staff account and print its TOTP secret")
    add.add_argument("username")
    add.add_argument("--admin", action="store_true", help="may manage staff and settings")
    add.add_argument("--display-name", default="")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=cmd_staff_add)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    try:
        get_settings()
    except SettingsError as error:
        print(f"iep: configuration error: {error}", file=sys.stderr)
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
