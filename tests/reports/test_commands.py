"""manage.py report and committee_pack: the files they write, and one-line errors with a non-zero exit."""

from io import BytesIO, StringIO

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from pypdf import PdfReader

from tests.cycle_builders import make_cycle, sign_off, submit_everything

pytestmark = pytest.mark.django_db

YEARS_RULE = "periods fall in the financial years 1990/91 to 2100/01, April 1990 to March 2101"


def run(*argv) -> tuple[int, str, str]:
    """Run a command as manage.py does, returning its exit code, standard output and standard error."""
    out, err = StringIO(), StringIO()
    command = load_command_class(get_commands()[argv[0]], argv[0])
    command.stdout._out, command.stderr._out = out, err
    try:
        command.run_from_argv(["manage.py", *argv])
    except SystemExit as exit:
        return exit.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def cycle():
    return sign_off(submit_everything(make_cycle(actions=2, indicators=1)))


def test_it_writes_the_plans_report(cycle, tmp_path):
    output = tmp_path / "ni152.pdf"
    code, out, _ = run("report", "NI 152", "2008/09-Q1", "-o", str(output))
    assert code == 0
    pages = len(PdfReader(output).pages)
    assert out == f"Wrote {output}: NI 152 2008/09 Q1, {pages} pages.\n"
    assert "Page 1 of" in PdfReader(output).pages[0].extract_text()


def test_it_names_the_file_after_the_plan_and_period_by_default(cycle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("report", "ni 152", "2008/09 Q1", stdout=StringIO())
    assert (tmp_path / "ni-152-2008-09-q1.pdf").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "NI 999", "2008/09-Q1"], "No plan has the reference 'NI 999'."),
        (["report", "NI 152", "2008/10-Q1"], "'2008/10-Q1' is not a financial year: the second year must follow the first."),
        (["report", "NI 152", "Q1 2008"], "'Q1 2008' is not a period. Write a financial year as 2008/09"),
        (["report", "NI 152", "2009/10-Q1"], "No reporting round has been opened for 2009/10 Q1."),
        (["committee_pack", "2008/09-Q5"], "'2008/09-Q5' is not a period."),
        (["committee_pack", "2008/09-Q1", "--plan", "NI 152", "--plan", "NI 999"], "No plan has the reference 'NI 999'."),
        (["committee_pack", "2012/13-H1"], "No reporting round has been opened for 2012/13 H1."),
        (["report", "NI 152", "0000/01-Q1"], f"'0000/01-Q1' is not a period: {YEARS_RULE}."),
        (["report", "NI 152", "9999/00-Q1"], f"'9999/00-Q1' is not a period: {YEARS_RULE}."),
        (["committee_pack", "0000/01-Q1"], f"'0000/01-Q1' is not a period: {YEARS_RULE}."),
        (["committee_pack", "9999/00-Q1"], f"'9999/00-Q1' is not a period: {YEARS_RULE}."),
    ],
)
def test_a_bad_plan_or_period_is_a_one_line_error_and_exit_code_1(cycle, tmp_path, argv, message):
    output = tmp_path / "out.pdf"
    code, out, err = run(*argv, "-o", str(output))
    assert code == 1
    assert out == ""
    assert err.startswith(f"CommandError: {message}")
    assert err.count("\n") == 1
    assert not output.exists()


def test_call_command_raises_the_same_error(cycle):
    with pytest.raises(CommandError, match="^No plan has the reference 'NI 999'.$"):
        call_command("report", "NI 999", "2008/09-Q1")


def test_a_plan_with_no_return_in_the_period_is_an_error(cycle, tmp_path):
    make_cycle_plan = cycle.plan
    make_cycle_plan.pk = None
    make_cycle_plan.reference = "NI 117"
    make_cycle_plan.save()  # created after the round opened: it has no return for 2008/09 Q1
    code, _, err = run("report", "NI 117", "2008/09-Q1", "-o", str(tmp_path / "x.pdf"))
    assert (code, err) == (1, "CommandError: NI 117 has no return for 2008/09 Q1.\n")


def test_an_unwritable_output_is_an_error(cycle, tmp_path):
    code, _, err = run("report", "NI 152", "2008/09-Q1", "-o", str(tmp_path / "missing" / "x.pdf"))
    assert code == 1
    assert err.startswith("CommandError: Could not write")


def test_committee_pack_writes_the_pack(cycle, tmp_path):
    output = tmp_path / "pack.pdf"
    code, out, _ = run("committee_pack", "2008/09-Q1", "-o", str(output))
    assert code == 0
    reader = PdfReader(BytesIO(output.read_bytes()))
    assert out == f"Wrote {output}: committee pack 2008/09 Q1, 1 plan, 1 exception, {len(reader.pages)} pages.\n"
    assert reader.metadata.title == "Committee pack 2008/09 Q1: monitoring reports"
