"""Bad input never makes a server error: random text, numbers, dates and file contents at every form.

Hypothesis drives the real pages through the test client, signed in as whoever may use each form: the
progress form, the values form, opening a round, sending back, reopening, signing in, the plan list's filters;
then every page of the site with random values in each field its forms show (so dashboards, reports and imports
are covered as they arrive), every file upload field with random bytes, and the upload check itself. Whatever
comes back must be below 500.

In CI (CI=true) the examples are derandomised, so a run is repeatable; FUZZ_EXAMPLES sets how many per form.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import re
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.models import EntryStatus
from monitoring import uploads
from monitoring.spreadsheets import files
from tests.cycle_builders import make_cycle, sign_off, submit_everything, submit_progress
from tests.pages.test_pages import project_urls

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text as a browser can send it: any character but lone surrogates, which UTF-8 cannot carry.
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
odd_numbers = st.sampled_from([
    "", " ", "0", "-0", "-1", "1e999", "-1e999", "1E5", "NaN", "nan", "inf", "-Infinity", "1,000", "1.000,5", "£5",
    "5%", "0x10", "١٢٣", "1_000", "9" * 40, "0." + "0" * 40 + "1", "tbc", "12.345678901234567890", "１２",
])
numbers = st.one_of(
    odd_numbers,
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
dates = st.one_of(
    st.dates().map(lambda day: day.strftime("%d/%m/%Y")),
    st.dates().map(date.isoformat),
    st.sampled_from(["31/02/2009", "00/00/0000", "2008/09", "2008/09-Q5", "May 2007", "9999-99-99", "-1"]),
)
anything = st.one_of(text, numbers, dates)
date_part = st.one_of(st.integers(-5, 10**6).map(str), st.sampled_from(["", "1" * 25, "٣", " 7 ", "1.5", "July"]), text)


def below_500(response, what: str = "") -> None:
    assert response.status_code < 500, f"{response.status_code} for {what}"


@pytest.fixture
def cycle():
    return make_cycle(actions=3, indicators=2)


# ---------------------------------------------------------------------------------------------------------
# The reporting cycle's forms


@FUZZ
@given(narrative=anything, rag=st.one_of(st.sampled_from(["red", "amber", "green", ""]), text), outputs=numbers,
       version=numbers, move=st.one_of(st.sampled_from(["draft", "submit"]), text))
def test_the_progress_form(client, cycle, narrative, rag, outputs, version, move):
    client.force_login(cycle["officer"])
    data = {"narrative": narrative, "rag": rag, "outputs_achieved": outputs, "version": version, "move": move}

    below_500(client.post(reverse("progress_edit", args=[cycle.report.pk, cycle.action.pk]), data), repr(data))


@FUZZ
@given(which=st.integers(0, 2), indicator=text, value=st.one_of(numbers, text),
       commentary=anything,
       confirm=st.one_of(st.just("on"), text), version=numbers, move=st.one_of(st.sampled_from(["draft", "submit"]), text))
def test_the_values_form(client, cycle, which, indicator, value, commentary, confirm, version, move):
    client.force_login(cycle["expert"])
    pk = str(cycle.indicators[which].pk) if which < 2 else indicator
    prefix = f"indicator-{pk}"
    data = {f"{prefix}-value": value, f"{prefix}-commentary": commentary,
            f"{prefix}-confirm_outlier": confirm, f"{prefix}-version": version, "move": move}

    below_500(client.post(reverse("values_edit", args=[cycle.report.pk]), data), repr(data))


period_codes = st.one_of(
    st.builds(lambda year, part: f"{year}/{(year + 1) % 100:02d}-{part}", st.integers(1900, 2100),
              st.sampled_from(["Q1", "Q2", "Q3", "Q4", "H1", "H2", "Q0", "Q9", "H3", ""])),
    dates, text,
)


@FUZZ
@given(period=period_codes, day=date_part, month=date_part, year=date_part)
def test_opening_a_round(client, cycle, period, day, month, year):
    client.force_login(cycle["performance_officer"])
    data = {"period": period, "due_date_day": day, "due_date_month": month, "due_date_year": year}

    below_500(client.post(reverse("rounds"), data), repr(data))


@FUZZ
@given(items=st.lists(st.one_of(st.integers(-5, 10**12).map(lambda pk: f"progress-{pk}"), text), max_size=4),
       comment=anything, item_comment=anything, chosen=st.booleans())
def test_sending_back(client, cycle, items, comment, item_comment, chosen):
    client.force_login(cycle["owner"])
    data = {"items": items, "comment": comment}
    progress = cycle.report.progress_reports.filter(status=EntryStatus.SUBMITTED).first()
    if progress is None:  # the examples share the cycle: submit again what an earlier one sent back
        progress = submit_progress(cycle, cycle.action)
    if chosen:
        data["items"] = [*items, f"progress-{progress.pk}"]
        data[f"comment-progress-{progress.pk}"] = item_comment

    below_500(client.post(reverse("return_send_back", args=[cycle.report.pk]), data), repr(data))


@FUZZ
@given(reason=anything)
def test_reopening(client, cycle, reason):
    if not cycle.refresh().report.is_signed_off and not cycle.report.progress_reports.exists():
        sign_off(submit_everything(cycle))
    client.force_login(cycle["performance_officer"])

    below_500(client.post(reverse("return_reopen", args=[cycle.report.pk]), {"reason": reason}), repr(reason))


@FUZZ
@given(extra=st.dictionaries(text, anything, max_size=3))
def test_signing_off_and_closing_a_round(client, cycle, extra):
    client.force_login(cycle["owner"])
    below_500(client.post(reverse("return_sign_off", args=[cycle.report.pk]), extra), repr(extra))
    client.force_login(cycle["performance_officer"])
    below_500(client.post(reverse("round_close", args=[cycle.round.pk]), extra), repr(extra))
    below_500(client.post(reverse("round_reopen", args=[cycle.round.pk]), extra), repr(extra))


@FUZZ
@given(username=st.one_of(st.just("officer"), text), password=st.one_of(st.just("correct-horse-battery"), text),
       next_url=st.one_of(st.sampled_from(["/plans/", "//evil.example/", "https://evil.example/", "/\\evil.example",
                                           "javascript:alert(1)", ""]), text))
def test_signing_in(client, cycle, username, password, next_url):
    response = client.post(reverse("login"), {"username": username, "password": password, "next": next_url})

    below_500(response, repr((username, next_url)))
    if response.status_code == 302:  # never off the site, whatever `next` said
        assert url_has_allowed_host_and_scheme(response["Location"], allowed_hosts={"testserver"}), response["Location"]
    client.logout()


@FUZZ
@given(query=st.dictionaries(
    st.one_of(st.sampled_from(["kind", "year", "lead_organisation", "sort", "page", "per_page", "q"]), text),
    st.one_of(anything, st.sampled_from(["laa", "service", "-reference", "title", "0", "-1", "99999"])), max_size=5,
))
def test_the_plan_list_filters(client, cycle, query):
    client.force_login(cycle["viewer"])

    below_500(client.get(reverse("plan_list"), query), repr(query))


# ---------------------------------------------------------------------------------------------------------
# Every page, with random values in the fields its forms show


FIELD_NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')
FILE_FIELD = re.compile(r'<input\b[^>]*\btype="file"[^>]*\bname="([^"]+)"|<input\b[^>]*\bname="([^"]+)"[^>]*\btype="file"')
# Pages whose plain GET builds a PDF: slow, and they read no form.
NOT_FORMS = {"plan_report", "report_job_download"}


def candidate_ids(cycle) -> list[int]:
    ids = {cycle.plan.pk, cycle.report.pk, cycle.round.pk, cycle.action.pk, *(i.pk for i in cycle.indicators)}
    return sorted(ids)


WALKERS = ["performance_officer", "officer", "expert", "owner"]


def real_pages(client, cycle) -> list[tuple[str, str, str, str]]:
    """Return (name, url, role, page) for every page that answers 200 to one of the cycle's users, its arguments
    filled in with whichever of the cycle's objects fits."""
    ids = candidate_ids(cycle)
    pages = []
    for name, sample in project_urls():
        if name in NOT_FORMS or name == "logout":
            continue
        keys = sorted(resolve(sample).kwargs)
        found = None
        for role in WALKERS:
            client.force_login(cycle[role])
            for values in itertools.product(ids, repeat=len(keys)):
                url = reverse(name, kwargs=dict(zip(keys, values, strict=True)))
                response = client.get(url)
                if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                    found = (name, url, role, response.content.decode())
                    break
            if found:
                pages.append(found)
                break
    return pages


def test_the_page_walk_finds_the_forms(client, cycle):
    names = {name for name, _, _, _ in real_pages(client, cycle)}
    assert {"plan_list", "rounds", "return_detail", "progress_edit", "values_edit", "return_history"} <= names


@settings(FUZZ, max_examples=max(5, FUZZ.max_examples // 3))
@given(data=st.data())
def test_every_page_with_random_query_values(client, cycle, data):
    if not hasattr(cycle, "_pages"):
        cycle._pages = real_pages(client, cycle)
    for name, url, role, content in cycle._pages:
        client.force_login(cycle[role])
        fields = sorted((set(FIELD_NAME.findall(content)) | {"page", "per_page", "sort"}) - {"csrfmiddlewaretoken"})
        query = data.draw(st.dictionaries(st.one_of(st.sampled_from(fields), text), anything, max_size=4),
                          label=name)
        below_500(client.get(url, query), f"{url} {query!r}")


def random_workbook() -> st.SearchStrategy[bytes]:
    """Zip archives that pass for a workbook by their entries, with random contents."""

    def build(entries: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for entry, content in {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                                   **entries}.items():
                archive.writestr(entry, content)
        return buffer.getvalue()

    names = st.sampled_from(["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "[Content_Types].xml",
                             "xl/_rels/workbook.xml.rels", "_rels/.rels", "xl/styles.xml"])
    return st.dictionaries(names, st.binary(max_size=300), max_size=4).map(build)


file_contents = st.one_of(
    st.binary(max_size=2000),
    text.map(lambda value: value.encode("utf-8")),
    st.lists(st.lists(anything, max_size=5), max_size=8).map(
        lambda rows: "\n".join(",".join(cell.replace(",", " ") for cell in row) for row in rows).encode("utf-8")),
    random_workbook(),
)


@FUZZ
@given(data=st.data())
def test_every_upload_field_with_random_file_contents(client, cycle, data):
    if not hasattr(cycle, "_uploads"):
        cycle._uploads = [(url, role, content) for _, url, role, content in real_pages(client, cycle)
                          if FILE_FIELD.search(content)]
    if not cycle._uploads:
        pytest.skip("No page has a file upload yet (the imports issue adds one).")
    for url, role, content in cycle._uploads:
        client.force_login(cycle[role])
        fields = {name for pair in FILE_FIELD.findall(content) for name in pair if name}
        others = sorted(set(FIELD_NAME.findall(content)) - fields - {"csrfmiddlewaretoken"})
        post = {name: SimpleUploadedFile(data.draw(st.sampled_from(["values.xlsx", "values.csv", "x.exe", "values"])),
                                         data.draw(file_contents)) for name in fields}
        kinds = st.sampled_from(["values", "plan", "actions", "1"])
        post.update({name: data.draw(st.one_of(anything, kinds)) for name in others})
        below_500(client.post(url, post), url)


@FUZZ
@given(content=file_contents, limit=st.integers(1, 5000))
def test_the_upload_check_only_ever_accepts_or_refuses(content, limit):
    try:
        checked = uploads.check_upload(ContentFile(content), max_size=limit)
    except ValidationError as error:
        assert error.code in {"too_large", "empty", "wrong_type"}
    else:
        assert checked.kind in {uploads.XLSX, uploads.CSV} and checked.size == len(content) <= limit


@FUZZ
@given(content=file_contents)
def test_the_import_reader_only_ever_reads_or_refuses(content):
    with contextlib.suppress(files.ImportFileError):
        files.read_file(content)


# ---------------------------------------------------------------------------------------------------------
# The server errors the fuzzing found, kept as regression tests


def test_a_count_with_15_digits_is_refused_not_stored(client, cycle):
    client.force_login(cycle["expert"])
    count = cycle.indicators[1]
    prefix = f"indicator-{count.pk}"

    saved = client.post(reverse("values_edit", args=[cycle.report.pk]), {
        f"{prefix}-value": "1" + "0" * 14, f"{prefix}-version": "0", "move": "draft",
    })
    shown = client.get(reverse("values_edit", args=[cycle.report.pk]))

    assert saved.status_code < 500 and shown.status_code < 500


def test_a_due_date_year_of_25_digits_is_refused(client, cycle):
    client.force_login(cycle["performance_officer"])

    response = client.post(reverse("rounds"), {
        "period": "2009/10-Q1", "due_date_day": "1", "due_date_month": "1", "due_date_year": "1" * 25,
    })

    assert response.status_code < 500


@pytest.mark.parametrize("name", ["plan_list", "dashboard_overview"])
def test_a_negative_page_size_is_ignored(client, cycle, name):
    client.force_login(cycle["performance_officer"])

    assert client.get(reverse(name), {"per_page": "-1"}).status_code == 200


def test_a_round_chosen_with_a_superscript_digit_is_not_found(client, cycle):
    client.force_login(cycle["performance_officer"])

    assert client.get(reverse("dashboard_not_reported"), {"round": "³"}).status_code == 404
