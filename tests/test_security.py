"""Security: sign-in lockout, sessions that end, logged refusals, headers, the URL walk, uploads, the audit."""

from __future__ import annotations

import importlib.util
import io
import logging
import re
import secrets
import sys
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from monitoring import security, uploads
from tests.cycle_builders import make_cycle
from tests.pages.test_pages import PUBLIC_URL_NAMES, answers_for_itself, project_urls
from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough password"


@pytest.fixture
def user():
    return get_user_model().objects.create_user("reader", password=PASSWORD)


def sign_in(client, username="reader", password=PASSWORD, ip="192.0.2.10"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


# ---------------------------------------------------------------------------------------------------------
# Lockout after repeated failures


def test_four_failures_still_show_the_sign_in_form(client, user):
    for _ in range(4):
        response = sign_in(client, password="wrong")

    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()


def test_the_fifth_failure_locks_the_username_out_from_that_address(client, user):
    for _ in range(5):
        response = sign_in(client, password="wrong")

    content = response.content.decode()
    assert response.status_code == 429
    assert "<title>You have tried to sign in too many times – Partnership Monitor</title>" in content
    assert '<h1 class="govuk-heading-l">You have tried to sign in too many times</h1>' in content
    assert "locked for 15 minutes" in content
    assert "wrong 5 times" in content
    # Even the right password is refused while locked out.
    assert sign_in(client).status_code == 429
    assert SESSION_KEY not in client.session


def test_the_lockout_is_keyed_on_username_and_address_together(client, user):
    get_user_model().objects.create_user("other", password=PASSWORD)
    for _ in range(5):
        sign_in(client, password="wrong", ip="192.0.2.10")

    assert sign_in(client, ip="192.0.2.99").status_code == 302  # the same username from elsewhere
    client.logout()
    assert sign_in(client, username="other", ip="192.0.2.10").status_code == 302  # another username from there


def test_the_lockout_ends_after_15_minutes(client, user):
    for _ in range(5):
        sign_in(client, password="wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))

    assert sign_in(client).status_code == 302


def test_a_successful_sign_in_clears_the_failures(client, user):
    for _ in range(4):
        sign_in(client, password="wrong")
    assert sign_in(client).status_code == 302
    client.logout()

    for _ in range(4):
        response = sign_in(client, password="wrong")
    assert response.status_code == 200


def test_the_lockout_settings():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")

    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        assert security.client_ip(request) == "198.51.100.7"
    with override_settings(SECURE_PROXY_SSL_HEADER=None):
        assert security.client_ip(request) == "10.0.0.2"


# ---------------------------------------------------------------------------------------------------------
# What the security log records


def security_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "security"]


def test_a_failed_sign_in_is_logged_with_username_and_address_but_no_password(client, user, caplog):
    with caplog.at_level(logging.INFO, logger="security"):
        sign_in(client, password="hunter2-secret", ip="192.0.2.44")

    lines = security_lines(caplog)
    assert "sign-in failed: username='reader' ip=192.0.2.44" in lines
    assert not any("hunter2" in line for line in lines)


def test_a_lockout_is_logged(client, user, caplog):
    with caplog.at_level(logging.INFO, logger="security"):
        for _ in range(5):
            sign_in(client, password="wrong", ip="192.0.2.45")

    assert "locked out after 5 failed sign-ins: username='reader' ip=192.0.2.45" in security_lines(caplog)


def test_a_username_with_line_breaks_cannot_forge_a_log_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="security"):
        sign_in(client, username="x\nsigned in: user='admin'", password="wrong")

    assert not any(line.startswith("signed in") for line in "\n".join(security_lines(caplog)).splitlines())


def test_a_refused_page_is_logged(client, user, caplog):
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="security"):
        response = client.post(reverse("rounds"), {"period": "2008/09-Q1"}, REMOTE_ADDR="192.0.2.46")

    assert response.status_code == 403
    assert "permission denied: user='reader' method=POST path='/rounds/' ip=192.0.2.46" in security_lines(caplog)


def test_a_csrf_failure_is_logged(user, caplog):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="security"):
        response = client.post(reverse("logout"))

    assert response.status_code == 403
    assert any(line.startswith("permission denied: user='reader' method=POST path='/accounts/logout/'")
               for line in security_lines(caplog))


def test_signing_in_and_out_is_logged(client, user, caplog):
    with caplog.at_level(logging.INFO, logger="security"):
        sign_in(client, ip="192.0.2.47")
        client.post(reverse("logout"), REMOTE_ADDR="192.0.2.47")

    lines = security_lines(caplog)
    assert "signed in: user='reader' ip=192.0.2.47" in lines
    assert "signed out: user='reader' ip=192.0.2.47" in lines


# ---------------------------------------------------------------------------------------------------------
# Sessions end


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def set_clocks(client, *, started_ago: int | None = None, idle_for: int | None = None):
    session = client.session
    now = int(time.time())
    if started_ago is not None:
        session[security.SESSION_STARTED] = now - started_ago
    if idle_for is not None:
        session[security.LAST_ACTIVITY] = now - idle_for
    session.save()


def sends_to_sign_in(response, url="/") -> bool:
    return response.status_code == 302 and response["Location"] == f"{reverse('login')}?{urlencode({'next': url}, safe='/')}"


def test_signing_in_starts_both_clocks(signed_in):
    session = signed_in.session
    assert abs(session[security.SESSION_STARTED] - time.time()) < 5
    assert session[security.LAST_ACTIVITY] == session[security.SESSION_STARTED]


def test_a_session_idle_for_29_minutes_goes_on_and_its_clock_restarts(signed_in):
    set_clocks(signed_in, idle_for=29 * 60)

    assert signed_in.get("/").status_code == 200
    assert abs(signed_in.session[security.LAST_ACTIVITY] - time.time()) < 5


def test_a_session_idle_for_more_than_30_minutes_ends(signed_in, caplog):
    set_clocks(signed_in, idle_for=30 * 60 + 1)

    with caplog.at_level(logging.INFO, logger="security"):
        response = signed_in.get("/")

    assert sends_to_sign_in(response)
    assert SESSION_KEY not in signed_in.session
    assert signed_in.get("/").status_code == 302
    assert any(line.startswith("session ended (idle timeout): user='reader'") for line in security_lines(caplog))


def test_the_idle_clock_is_written_at_most_once_a_minute(signed_in):
    set_clocks(signed_in, idle_for=20)
    before = signed_in.session[security.LAST_ACTIVITY]

    signed_in.get("/")

    assert signed_in.session[security.LAST_ACTIVITY] == before


def test_a_busy_session_still_ends_12_hours_after_signing_in(signed_in):
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    set_clocks(signed_in, started_ago=12 * 60 * 60 + 1, idle_for=0)

    assert sends_to_sign_in(signed_in.get("/"))
    assert SESSION_KEY not in signed_in.session


def test_a_session_from_before_the_clocks_gets_them(signed_in):
    session = signed_in.session
    del session[security.SESSION_STARTED], session[security.LAST_ACTIVITY]
    session.save()

    assert signed_in.get("/").status_code == 200
    assert abs(signed_in.session[security.SESSION_STARTED] - time.time()) < 5


def test_django_refuses_a_switched_off_account_on_its_next_request(user):
    user.is_active = False
    user.save()

    assert ModelBackend().get_user(user.pk) is None


def test_a_switched_off_accounts_session_ends_on_its_next_request(signed_in, user, caplog):
    assert signed_in.get("/").status_code == 200
    session_key = signed_in.session.session_key
    user.is_active = False
    user.save()

    with caplog.at_level(logging.INFO, logger="security"):
        response = signed_in.get("/plans/")

    assert sends_to_sign_in(response, "/plans/")
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    assert "session ended (account switched off or removed): user=None ip=127.0.0.1" in security_lines(caplog)


def test_a_switched_off_account_cannot_sign_in(client, user):
    user.is_active = False
    user.save()

    response = sign_in(client)

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_a_deleted_accounts_session_ends(signed_in, user):
    user.delete()

    assert sends_to_sign_in(signed_in.get("/"))
    assert SESSION_KEY not in signed_in.session


# ---------------------------------------------------------------------------------------------------------
# Passwords


@pytest.mark.parametrize("password", ["demo", "short1", "123456789012345", "password1234"])
def test_weak_passwords_are_refused(user, password):
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_unusual_password_is_accepted(user):
    validate_password("copper kettle in the rain", user)


# ---------------------------------------------------------------------------------------------------------
# Headers


EXPECTED_CSP = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
}


def csp_directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/plans/", "/admin/"])
def test_every_page_sends_the_security_headers(signed_in, user, url):
    user.is_staff = user.is_superuser = True
    user.save()

    response = signed_in.get(url)

    assert response.status_code == 200
    assert csp_directives(response) == EXPECTED_CSP
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_lockout_page_and_error_pages_send_the_headers_too(client, user):
    for _ in range(5):
        response = sign_in(client, password="wrong")
    assert csp_directives(response) == EXPECTED_CSP

    client.force_login(user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert csp_directives(response) == EXPECTED_CSP


TEMPLATE_DIRS = [ROOT / "templates", *(ROOT / app / "templates" for app in ("plans", "indicators", "funding", "monitoring"))]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "an inline event handler"),
    (re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']\s*javascript:""", re.I), "a javascript: address"),
]


# Print templates are rendered to PDF by WeasyPrint, never served to a browser: they may hold <style>.
PRINT_TEMPLATES = ROOT / "templates" / "monitoring" / "reports" / "print"


def test_no_template_has_inline_script_or_style_that_the_policy_would_block():
    found = []
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*.html")) if folder.exists() else []:
            if path.is_relative_to(PRINT_TEMPLATES):
                continue
            text = path.read_text()
            for number, line in enumerate(text.splitlines(), 1):
                found += [f"{path.relative_to(ROOT)}:{number}: {what}" for pattern, what in INLINE if pattern.search(line)]
    assert found == []


def test_production_settings_make_cookies_secure_and_send_hsts():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.DEBUG)"
    )
    result = run_manage("shell", "-c", code, DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50),
                        ALLOWED_HOSTS="monitor.example.org")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "True", "True", "True", "31536000", "True", "False"]


# ---------------------------------------------------------------------------------------------------------
# Every address needs a sign-in


def all_patterns(patterns=None, prefix=""):
    """Yield (route, pattern) for every URLPattern of the project's URLconf outside the admin."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name != "admin":
                yield from all_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def test_every_page_has_a_name_so_that_the_url_walk_reaches_it():
    # tests/pages/test_pages.py walks every include (those added later too) but only named patterns: an unnamed one
    # would escape the login check without anyone noticing.
    unnamed = [route for route, pattern in all_patterns() if not pattern.name]
    walked = {name for name, _ in project_urls()}

    assert unnamed == []
    assert walked == {pattern.name for _, pattern in all_patterns()}


@pytest.mark.parametrize(("name", "url"), [pair for pair in project_urls()
                                           if pair[0] not in PUBLIC_URL_NAMES and not answers_for_itself(pair[0])])
def test_every_page_sends_an_anonymous_post_to_sign_in(client, name, url):
    response = client.post(url, {"anything": "x"})

    assert response.status_code == 302, name
    assert response["Location"] == f"{reverse('login')}?{urlencode({'next': url}, safe='/')}"


ADMIN_PUBLIC = {"admin:login"}


def admin_urls():
    """Yield (name, path) for every named page of the admin, each registered model's included, filled in."""
    app_label = next(iter(admin.site._registry))._meta.app_label

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, namespace)
            elif pattern.name:
                regex = pattern.pattern.regex
                kwargs = {key: app_label if key == "app_label" else "1" for key in regex.groupindex}
                args = [] if kwargs else ["1"] * regex.groups  # simple_history's re_path uses unnamed groups
                try:
                    url = reverse(f"{namespace}:{pattern.name}", args=args, kwargs=kwargs)
                except NoReverseMatch:
                    url = None  # reported by test_every_admin_page_can_be_walked
                yield f"{namespace}:{pattern.name}", url

    resolver = next(p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.app_name == "admin")
    return sorted(set(walk(resolver.url_patterns, resolver.namespace)))


def test_the_admin_walk_finds_the_models_pages():
    names = {name for name, _ in admin_urls()}
    assert {"admin:index", "admin:indicators_indicatorvalue_change", "admin:monitoring_return_history",
            "admin:plans_plan_changelist"} <= names


def test_every_admin_page_can_be_walked():
    assert [name for name, url in admin_urls() if url is None] == []


@pytest.mark.parametrize(("name", "url"), [pair for pair in admin_urls() if pair[0] not in ADMIN_PUBLIC and pair[1]])
def test_every_admin_page_sends_an_anonymous_visitor_to_sign_in(client, name, url):
    response = client.get(url)

    assert response.status_code == 302, name
    location = response["Location"]
    assert location.startswith((f"{reverse('admin:login')}?", f"{reverse('login')}?")), (name, location)
    assert f"next={url}" in location.replace("%2F", "/"), (name, location)


def test_a_signed_in_user_who_is_not_staff_is_kept_out_of_the_admin(signed_in):
    response = signed_in.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# ---------------------------------------------------------------------------------------------------------
# Uploads


def workbook_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["indicator", "period", "value"])
    book.active.append(["NI 152", "2008/09-Q1", 14.5])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def check(uploaded, **options):
    return uploads.check_upload(uploaded, **{"max_size": 5 * 1024 * 1024, **options})


def test_a_workbook_is_known_by_its_content_whatever_its_name():
    assert check(upload("values.csv", workbook_bytes(), "text/csv")).kind == uploads.XLSX


def test_csv_text_is_known_by_its_content_whatever_its_name():
    checked = check(upload("values.xlsx", "\ufeffindicator,value\nNI 152,14.5\n".encode()))
    assert checked.kind == uploads.CSV


@pytest.mark.parametrize(("name", "content"), [
    ("values.xlsx", b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(200)),
    ("values.csv", b"MZ\x90\x00\x03\x00\x00\x00"),
    ("values.csv", "café".encode("latin-1")),
    ("values.xlsx", b"PK\x03\x04 not really a zip"),
])
def test_other_content_is_refused_whatever_its_name(name, content):
    with pytest.raises(ValidationError, match="must be an Excel workbook"):
        check(upload(name, content))


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    with pytest.raises(ValidationError, match="must be an Excel workbook"):
        check(upload("values.xlsx", buffer.getvalue()), kinds=(uploads.XLSX,))


def test_a_csv_is_refused_where_only_workbooks_are_wanted():
    with pytest.raises(ValidationError):
        check(upload("values.csv", b"a,b\n1,2\n"), kinds=(uploads.XLSX,))


def test_an_empty_or_too_large_file_is_refused():
    with pytest.raises(ValidationError, match="empty"):
        check(upload("values.csv", b""))
    with pytest.raises(ValidationError, match="must be smaller than 1KB"):
        check(upload("values.csv", b"a,b\n" * 400), max_size=1024)


def test_the_upload_limits_are_sane():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert 1024 * 1024 <= settings.IMPORT_MAX_UPLOAD_BYTES <= 50 * 1024 * 1024


def test_a_form_post_larger_than_the_limit_is_refused_with_400(client):
    response = client.post(reverse("login"), {"username": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    assert response.status_code == 400


# ---------------------------------------------------------------------------------------------------------
# pip-audit's verdict (.ci/deps.py)


def load_deps():
    spec = importlib.util.spec_from_file_location("ci_deps", ROOT / ".ci" / "deps.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_a_known_vulnerability_fails_the_audit():
    report = {"dependencies": [
        {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"]}]},
        {"name": "asgiref", "version": "3.8.1", "vulns": []},
    ]}

    verdict = load_deps().judge(1, report, "")

    assert verdict.failed
    assert "  django 5.2.0: PYSEC-2025-1 (fixed in 5.2.1)" in verdict.lines


def test_an_unreachable_service_only_warns():
    deps = load_deps()
    skipped = {"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"}]}

    offline = deps.judge(0, skipped, "")
    no_network = deps.judge(1, None, "requests.exceptions.ConnectionError: Failed to resolve 'pypi.org'")

    assert not offline.failed and offline.lines[0].startswith("WARNING: pip-audit could not audit any")
    assert not no_network.failed and no_network.lines[0].startswith("WARNING: pip-audit could not reach")


def test_a_clean_audit_passes_and_an_unexplained_crash_fails():
    deps = load_deps()
    clean = {"dependencies": [{"name": "django", "version": "5.2.9", "vulns": []}]}

    assert not deps.judge(0, clean, "").failed
    assert deps.judge(2, None, "Traceback: KeyError: 'oops'").failed


def test_the_lock_pins_every_declared_dependency_within_its_bounds():
    import tomllib

    deps = load_deps()
    pins = deps.read_lock(ROOT / "requirements.lock")

    assert deps.stale_pins(tomllib.loads((ROOT / "pyproject.toml").read_text()), pins) == []
    assert all(re.fullmatch(r"\d+(\.\w+)*", version) for version in pins.values())


def test_a_stale_lock_is_named():
    deps = load_deps()
    pyproject = {"project": {"dependencies": ["Django>=5.2,<5.3", "newthing>=1"], "optional-dependencies": {}}}

    assert deps.stale_pins(pyproject, {"django": "5.1.4"}) == [
        "requirements.lock pins Django==5.1.4, outside <5.3,>=5.2", "newthing is not in requirements.lock",
    ]



# ---------------------------------------------------------------------------------------------------------
# Usernames longer than any account's: refused in words, and never handed to django-axes at full length
# (its 255-character column made a 256-character username a 500 on PostgreSQL)

USERNAME_MAX = get_user_model()._meta.get_field("username").max_length


def test_a_username_longer_than_any_account_is_refused_in_words_and_not_recorded(client, user):
    response = sign_in(client, username="x" * 256, password="wrong")

    assert response.status_code == 200
    assert f"Username must be {USERNAME_MAX} characters or fewer" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    # The longest a username can be still signs in, or fails, as usual.
    assert sign_in(client, username="x" * USERNAME_MAX, password="wrong").status_code == 200
    assert AccessAttempt.objects.get().username == "x" * USERNAME_MAX


def test_axes_never_records_a_username_longer_than_an_account_can_have(client):
    # The admin's own sign-in form has no such limit: axes is handed the username cut to the longest there is.
    client.post(reverse("admin:login"), {"username": "y" * 300, "password": "wrong"}, REMOTE_ADDR="192.0.2.12")

    assert AccessAttempt.objects.get().username == "y" * USERNAME_MAX
    assert AccessAttempt._meta.get_field("username").max_length >= USERNAME_MAX


# ---------------------------------------------------------------------------------------------------------
# Nothing a signed-in user is sent is kept by the browser's or a proxy's cache


def test_every_page_and_download_sent_to_a_signed_in_user_is_private_and_not_stored(client):
    cycle = make_cycle(actions=1, indicators=1)
    client.force_login(cycle["performance_officer"])
    plan = cycle.plan.pk
    responses = {
        "home": client.get("/"),
        "round": client.get(cycle.round.get_absolute_url()),
        "report PDF": client.get(reverse("plan_report", args=[plan]), {"period": "2008/09-Q1"}),
        "values CSV": client.get(reverse("export"), {"what": "values", "format": "csv"}),
        "values XLSX": client.get(reverse("export"), {"what": "values", "format": "xlsx"}),
        "plan workbook": client.get(reverse("plan_workbook", args=[plan])),
        "overview CSV": client.get(reverse("dashboard_overview"), {"_export": "csv"}),
        "redirect": client.get(reverse("plan_report", args=[plan]), {"period": "2008/09-Q5"}),
        "not found": client.get("/no-such-page/"),
    }

    assert {name: (response.status_code, response.get("Cache-Control")) for name, response in responses.items()} == {
        **dict.fromkeys(responses, (200, "private, no-store")),
        "redirect": (302, "private, no-store"), "not found": (404, "private, no-store"),
    }


def test_signing_in_answers_private_and_not_stored(client, user):
    response = sign_in(client)
    assert response.status_code == 302 and response["Cache-Control"] == "private, no-store"


@override_settings(WHITENOISE_USE_FINDERS=True)
def test_static_files_keep_their_own_caching_for_a_signed_in_user(signed_in):
    response = signed_in.get("/static/print/report.css")

    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]
