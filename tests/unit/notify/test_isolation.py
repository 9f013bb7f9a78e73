"""notify and i18n stay plain Python: no web framework, no database."""

from __future__ import annotations

import subprocess
import sys


def test_notify_and_i18n_import_neither_reflex_nor_the_database():
    code = (
        "import sys, iep_app.i18n, iep_app.notify.mail, iep_app.notify.sms, "
        "iep_app.notify.masking, iep_app.notify.templates\n"
        "print(sorted(m for m in ('reflex', 'sqlmodel', 'sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
