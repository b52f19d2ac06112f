"""manage.py import_data: the upload page's checks from the command line, a summary, and a non-zero exit on any
problem; manage.py export_plan writes a workbook that import_data reads back."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from indicators.models import IndicatorValue
from monitoring.models import ImportRecord
from plans.models import Period
from tests.cycle_builders import make_cycle

pytestmark = pytest.mark.django_db

GOOD = (
    "Indicator,Period,Value,Commentary\n"
    "NI 152,2008/09-Q1,14.6,Redundancies still in the figures\n"
    "LOCAL 1,2008/09-Q1,120,\n"
)


@pytest.fixture
def c():
    return make_cycle()


def write(tmp_path: Path, text: str, name: str = "values.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args) -> str:
    out = StringIO()
    call_command("import_data", *args, stdout=out)
    return out.getvalue()


def test_it_imports_a_file_and_prints_a_summary(c, tmp_path):
    output = run("values", str(write(tmp_path, GOOD)))

    assert "values.csv (indicator values by period): 2 rows: 2 new, 0 changed, 0 unchanged." in output
    record = ImportRecord.objects.get()
    assert f"Imported: Import {record.pk}: values.csv." in output
    assert (record.via, record.user, record.created) == (ImportRecord.Via.COMMAND, None, 2)
    value = IndicatorValue.objects.get(indicator=c.ni152, period=Period.for_code("2008/09-Q1"))
    assert value.value == Decimal("14.6")


def test_a_dry_run_checks_and_changes_nothing(c, tmp_path):
    output = run("values", str(write(tmp_path, GOOD)), "--dry-run")

    assert "2 rows: 2 new, 0 changed, 0 unchanged." in output
    assert "Checked only (--dry-run): nothing was imported." in output
    assert not IndicatorValue.objects.filter(period__start__year=2008, period__start__month=4).exists()
    assert not ImportRecord.objects.exists()


def test_any_problem_fails_with_every_problem_listed_and_nothing_imported(c, tmp_path):
    path = write(tmp_path, GOOD + "NI 999,2008/09-Q2,1,\nNI 152,2008/09-Q2,lots,\n")

    with pytest.raises(CommandError) as raised:
        run("values", str(path))

    assert str(raised.value) == (
        "values.csv was not imported; nothing was changed. 2 problems:\n"
        "  Row 4, column A (Indicator): No indicator has the code 'NI 999'. Check the code, or add the indicator first.\n"
        "  Row 5, column C (Value): 'lots' is not a number. Enter a number, like 14.2."
    )
    assert not IndicatorValue.objects.filter(period=Period.for_code("2008/09-Q1")).exists()
    assert not ImportRecord.objects.exists()


def test_the_exit_status_is_not_zero_on_a_problem(tmp_path):
    path = write(tmp_path, "Indicator,Period\nNI 152,2008/09-Q1\n")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_data", "values", str(path), "--dry-run"],
        cwd=settings.BASE_DIR, capture_output=True, text=True, check=False,
        env={"DJANGO_SETTINGS_MODULE": "monitoring.test_settings", "PATH": "/usr/bin:/bin", "ENV_FILE": "",
             "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"},
    )
    assert result.returncode == 1
    assert "The file has no 'Value' column." in result.stderr


def test_with_a_user_their_permissions_apply_and_the_import_is_theirs(c, tmp_path):
    path = write(tmp_path, GOOD)
    with pytest.raises(CommandError, match="Only a performance officer can import delivery actions"):
        run("actions", str(path), "--user", "expert")

    run("values", str(path), "--user", "expert")
    assert ImportRecord.objects.get().user == c["expert"]
    assert IndicatorValue.history.filter(history_user=c["expert"], history_change_reason__startswith="Import ").count() == 2


def test_a_data_expert_cannot_import_values_of_indicators_they_do_not_look_after(c, tmp_path):
    c.ni152.data_expert = c["officer"].person
    c.ni152.save()
    with pytest.raises(CommandError) as raised:
        run("values", str(write(tmp_path, GOOD)), "--user", "expert")
    assert ("Row 2: You can only import values for indicators you look after; NI 152 is looked after by Pat Morgan."
            in str(raised.value))


def test_an_unknown_user_or_file_is_refused(c, tmp_path):
    with pytest.raises(CommandError, match="There is no active user called 'nobody'"):
        run("values", str(write(tmp_path, GOOD)), "--user", "nobody")
    with pytest.raises(CommandError, match="no such file"):
        run("values", str(tmp_path / "missing.csv"))


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(c, tmp_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 50
    with pytest.raises(CommandError, match="larger than IMPORT_MAX_UPLOAD_BYTES"):
        run("values", str(write(tmp_path, GOOD)))


def test_export_plan_writes_a_workbook_that_import_data_reads_back(c, tmp_path):
    path = tmp_path / "ni152.xlsx"
    out = StringIO()
    call_command("export_plan", "NI 152", "--output", str(path), stdout=out)
    assert f"Wrote NI 152 to {path}." in out.getvalue()

    output = run("plan", str(path), "--dry-run")

    assert "0 new, 0 changed" in output
    assert "  Actions: 3 rows, 0 new, 0 changed, 3 unchanged" in output
