"""What every web and worker process pays when it starts, before it serves anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_process_starts_without_importing_scipy():
    """scipy.stats costs about half a second and 50 MB a process; only a forecast needs it, so it is imported then
    (indicators.forecast._special). Imported at start-up, it put the upload page's peak over its 100 MB budget
    (bench/hostile_files.py: 158 MB with it, 84 MB without)."""
    script = (
        "import sys, django; django.setup(); import monitoring.urls; "
        "print(sorted(name for name in ('scipy', 'scipy.stats') if name in sys.modules))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "monitoring.test_settings", "ENV_FILE": ""}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_web_process_loads_every_view_and_freezes_what_start_up_made():
    """monitoring.wsgi imports the URLconf and its views at start-up and moves start-up's objects out of the garbage
    collector's walks (monitoring.startup.load_and_freeze), as the first request would otherwise do half-way."""
    script = (
        "import gc, sys; import monitoring.wsgi; "
        "print('monitoring.dashboards.views' in sys.modules, gc.get_freeze_count() > 100_000)"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "monitoring.test_settings", "ENV_FILE": ""}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "True True"
