"""Security plumbing: sessions that end, sign-in failures and refusals on the record, the lockout page, uploads.

- `SessionTimeoutMiddleware` ends a session after `SESSION_IDLE_TIMEOUT` seconds without a request, after
  `SESSION_COOKIE_AGE` seconds in all, and at once when its account has been switched off or removed.
- `ForbiddenLogMiddleware` records every 403 (a permission check that failed, a CSRF failure) on the
  `security` logger; the signal handlers below record sign-ins, sign-outs, failed sign-ins and lockouts.
- `lockout_response` is django-axes' lockout page (AXES_LOCKOUT_CALLABLE): the GOV.UK page, status 429.
- `client_ip` is the address lockouts are keyed on (AXES_CLIENT_IP_CALLABLE) and that the log names.
- `check_upload` tells a spreadsheet or CSV file by its content, never by its name, and refuses one too large.
- `RevertNeedsChangePermission` stops django-simple-history's revert page from rewriting what the admin's change
  page refuses to change (a signed-off value).

The receivers are connected when this module is imported, which loading the middleware does at start-up,
before any request can sign anyone in.
"""

from __future__ import annotations

import codecs
import logging
import re
import time
import zipfile
from dataclasses import dataclass

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.shortcuts import render

logger = logging.getLogger("security")

# Session keys of the two clocks, in whole seconds since the epoch.
SESSION_STARTED = "security_started_at"
LAST_ACTIVITY = "security_last_activity"
# The idle clock is written at most once a minute, so that reading a page rarely writes the session.
ACTIVITY_RESOLUTION = 60

LOCKOUT_STATUS = 429


def client_ip(request) -> str:
    """Return the address of the person making the request.

    Behind the reverse proxy (BEHIND_PROXY=true) that is the right-most address of X-Forwarded-For, the one
    the proxy itself appended (nginx's $proxy_add_x_forwarded_for): addresses left of it come from the
    client and can be made up. Without a proxy it is the connection's address.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return remote


def _who(user) -> str:
    return user.get_username() if user is not None and user.is_authenticated else "anonymous"


# ---------------------------------------------------------------------------------------------------------
# Sessions


def _now() -> int:
    return int(time.time())


class SessionTimeoutMiddleware:
    """End idle, over-long and orphaned sessions; goes after AuthenticationMiddleware, before LoginRequired.

    The idle clock is kept in the session rather than in the cookie's age: SESSION_SAVE_EVERY_REQUEST would
    write every session on every request. Django extends a session's expiry to SESSION_COOKIE_AGE whenever
    the session is saved, so the 12-hour limit is kept here too, from the moment of signing in.

    A session whose account has been switched off (is_active False) or deleted no longer yields a user
    (ModelBackend.get_user refuses inactive users) but would otherwise stay in the database: it is flushed.
    After the session ends the request goes on as anonymous, so LoginRequiredMiddleware sends it to sign in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            if not request.user.is_authenticated:
                self._end(request, "account switched off or removed", username=None)
            else:
                self._check_clocks(request)
        return self.get_response(request)

    def _check_clocks(self, request) -> None:
        session, now = request.session, _now()
        started, last = session.get(SESSION_STARTED), session.get(LAST_ACTIVITY)
        if not isinstance(started, int) or not isinstance(last, int):
            # A session from before these clocks existed: start them now.
            session[SESSION_STARTED] = started if isinstance(started, int) else now
            session[LAST_ACTIVITY] = now
        elif now - last > settings.SESSION_IDLE_TIMEOUT:
            self._end(request, "idle timeout", username=request.user.get_username())
        elif now - started > settings.SESSION_COOKIE_AGE:
            self._end(request, "session too old", username=request.user.get_username())
        elif now - last >= ACTIVITY_RESOLUTION:
            session[LAST_ACTIVITY] = now

    @staticmethod
    def _end(request, reason: str, *, username: str | None) -> None:
        logger.info("session ended (%s): user=%r ip=%s", reason, username, client_ip(request))
        logout(request)


@receiver(user_logged_in, dispatch_uid="security_start_session_clocks")
def _start_session_clocks(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = _now()
    request.session[SESSION_STARTED] = now
    request.session[LAST_ACTIVITY] = now
    logger.info("signed in: user=%r ip=%s", user.get_username(), client_ip(request))


@receiver(user_logged_out, dispatch_uid="security_log_sign_out")
def _log_sign_out(sender, request, user, **kwargs):
    if user is not None:
        logger.info("signed out: user=%r ip=%s", user.get_username(), client_ip(request) if request else "")


# ---------------------------------------------------------------------------------------------------------
# Failed sign-ins, lockouts and refusals


@receiver(user_login_failed, dispatch_uid="security_log_failed_sign_in")
def _log_failed_sign_in(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password with stars; the username is logged with repr() so that a
    # username typed with line breaks cannot forge log lines.
    logger.warning("sign-in failed: username=%r ip=%s", credentials.get("username", ""),
                   client_ip(request) if request is not None else "")


@receiver(user_locked_out, dispatch_uid="security_log_lockout")
def _log_lockout(sender, request, username, ip_address, **kwargs):
    logger.warning("locked out after %s failed sign-ins: username=%r ip=%s", settings.AXES_FAILURE_LIMIT,
                   username, ip_address)


class ForbiddenLogMiddleware:
    """Record every 403 answer: a failed permission check, a CSRF failure, a refused admin page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            user = getattr(request, "user", None)
            logger.warning("permission denied: user=%r method=%s path=%r ip=%s",
                           _who(user), request.method, request.path, client_ip(request))
        return response


def lockout_response(request, original_response=None, credentials=None):
    """Return the lockout page (django-axes' AXES_LOCKOUT_CALLABLE): what happened and when to try again."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, "registration/lockout.html", {
        "failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes,
    }, status=LOCKOUT_STATUS)


# ---------------------------------------------------------------------------------------------------------
# Uploads

XLSX = "xlsx"
CSV = "csv"
TOO_LARGE = "The selected file must be smaller than {limit}"
NOT_A_SPREADSHEET = "The selected file must be an Excel workbook (.xlsx) or a CSV file"
EMPTY = "The selected file is empty"


@dataclass(frozen=True)
class CheckedUpload:
    kind: str  # XLSX or CSV
    size: int


def _size_label(size: int) -> str:
    return f"{size // (1024 * 1024)}MB" if size >= 1024 * 1024 else f"{size // 1024}KB"


def check_upload(uploaded, *, max_size: int, kinds: tuple[str, ...] = (XLSX, CSV)) -> CheckedUpload:
    """Return what the uploaded file is, judged by its bytes, or raise ValidationError in GOV.UK words.

    An .xlsx workbook is a zip archive holding xl/workbook.xml; a CSV file is UTF-8 text (a byte-order mark
    allowed) with no control characters but tab and line ends. The name and the browser's content type are
    ignored: both are the sender's say-so. The file is read in chunks, never whole into memory, and left rewound.
    `max_size` is the caller's limit in bytes (imports use IMPORT_MAX_UPLOAD_BYTES).
    """
    limit = max_size
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise ValidationError(TOO_LARGE.format(limit=_size_label(limit)), code="too_large")
    uploaded.seek(0)
    head = uploaded.read(8192)
    if not head:
        raise ValidationError(EMPTY, code="empty")
    try:
        if head.startswith(b"PK\x03\x04") and XLSX in kinds and _is_workbook(uploaded):
            return CheckedUpload(XLSX, _measured(uploaded, limit))
        if CSV in kinds and _is_text(uploaded, limit):
            return CheckedUpload(CSV, _measured(uploaded, limit))
    finally:
        uploaded.seek(0)
    raise ValidationError(NOT_A_SPREADSHEET, code="wrong_type")


def _measured(uploaded, limit: int) -> int:
    uploaded.seek(0, 2)
    size = uploaded.tell()
    if size > limit:
        raise ValidationError(TOO_LARGE.format(limit=_size_label(limit)), code="too_large")
    return size


def _is_workbook(uploaded) -> bool:
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False
    return "xl/workbook.xml" in names and "[Content_Types].xml" in names


# C0 control characters other than tab, line feed, form feed and carriage return never occur in a CSV file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _is_text(uploaded, limit: int) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    uploaded.seek(0)
    read = 0
    while chunk := uploaded.read(64 * 1024):
        read += len(chunk)
        if read > limit or b"\x00" in chunk:
            return False
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
        if _CONTROL.search(text):
            return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
