"""Security plumbing: sessions that end, sign-in failures and refusals on the record, the lockout page, busy pages.

Uploads are judged in monitoring.uploads.

- `SessionTimeoutMiddleware` ends a session after `SESSION_IDLE_TIMEOUT` seconds without a request, after
  `SESSION_COOKIE_AGE` seconds in all, and at once when its account has been switched off or removed.
- `PrivateResponseMiddleware` marks everything sent to a signed-in user `Cache-Control: private, no-store`.
- `ForbiddenLogMiddleware` records every 403 (a permission check that failed, a CSRF failure) on the
  `security` logger; the signal handlers below record sign-ins, sign-outs, failed sign-ins and lockouts.
- `lockout_response` is django-axes' lockout page (AXES_LOCKOUT_CALLABLE): the GOV.UK page, status 429.
- `ExpensiveRequestMiddleware` lets each person have one expensive request (a PDF, a download) running at a
  time, answering another with `too_busy`'s page, status 429, until it has finished.
- `client_ip` is the address lockouts are keyed on (AXES_CLIENT_IP_CALLABLE) and that the log names.
- `axes_username` is the username lockouts are keyed on (AXES_USERNAME_CALLABLE): never longer than an account's.
- `RevertNeedsChangePermission` stops django-simple-history's revert page from rewriting what the admin's change
  page refuses to change (a signed-off value).

The receivers are connected when this module is imported, which loading the middleware does at start-up,
before any request can sign anyone in.
"""

from __future__ import annotations

import logging
import time

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model, logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.cache import caches
from django.db import DatabaseError, transaction
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


def axes_username(request, credentials) -> str | None:
    """Return the username django-axes records and keys lockouts on, cut to the longest an account can have.

    The sign-in form refuses a longer one before authenticating; the admin's sign-in form does not, and axes'
    255-character column refuses a longer value on PostgreSQL (a 500). A longer username names no account, so
    cutting it merges only failures that could never have signed anyone in.
    """
    data = credentials if credentials else getattr(request, "POST", {})
    username = data.get(settings.AXES_USERNAME_FORM_FIELD)
    if not isinstance(username, str):
        return username
    user_model = get_user_model()
    return username[:user_model._meta.get_field(user_model.USERNAME_FIELD).max_length]


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


# Pages and downloads (CSV, XLSX, PDF) for a signed-in user hold partnership data: no shared proxy may keep them,
# and no browser may write them to disk, where the next person at a shared council desk could open them.
PRIVATE_CACHE_CONTROL = "private, no-store"


class PrivateResponseMiddleware:
    """Send `Cache-Control: private, no-store` with every response to a signed-in user; goes after
    AuthenticationMiddleware. Static files are answered by WhiteNoise before this and keep their own caching.

    The header replaces any a view set (never_cache's longer form included), so every page says the same.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)  # signing in or out during the request changes it
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response


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
# Expensive requests, one at a time per person

# Pages whose every request takes a worker for seconds of PDF layout or spreadsheet writing, by URL name. (A
# table page's own CSV, as the overview's ?_export=csv, costs what the page costs, and is not among them.)
EXPENSIVE_URL_NAMES = frozenset({"plan_report", "plan_workbook", "export"})
BUSY_STATUS = 429
# Seconds a refused request is told to wait: a plan's report or a download takes a few.
BUSY_RETRY_AFTER = 10
# How long a running request's mark outlives it if its worker is killed before it can remove it (gunicorn's
# --timeout is 60 s): the most a person can be held back by a request that no longer runs.
BUSY_MARK_SECONDS = 120


def too_busy(request, *, heading: str, message: str, retry_after: int, link: tuple[str, str] | None = None):
    """Return the GOV.UK page saying why the request must wait and what to do: status 429, with Retry-After."""
    response = render(request, "monitoring/too_busy.html", {
        "heading": heading, "message": message, "link": link,
    }, status=BUSY_STATUS)
    response["Retry-After"] = str(retry_after)
    return response


class ExpensiveRequestMiddleware:
    """Let each signed-in person have one expensive request running at a time; goes after LoginRequired.

    Six reports asked for at once by one person held both of two workers, and every other page waited 5 to 15 s.
    Now the first is made and the others are refused at once with a page in words, so one person can hold at
    most one worker. The mark is a row of the "throttle" cache, added atomically (the cache key is the table's
    primary key) so that every worker and app server sees it, and removed when the response is made; one left
    by a killed worker expires after BUSY_MARK_SECONDS. If the mark cannot be written (the cache table was never
    made), the request goes ahead and the security log says so: better unthrottled than refused.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            if key := getattr(request, "_expensive_request_key", None):
                try:
                    caches["throttle"].delete(key)
                except DatabaseError as error:  # the mark expires on its own; the response is not lost for it
                    logger.error("expensive request mark not removed (%s): user=%r", error, request.user.get_username())

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if not request.user.is_authenticated or match is None or match.url_name not in EXPENSIVE_URL_NAMES:
            return None
        key = f"expensive-request:{request.user.pk}"
        try:
            with transaction.atomic():  # a failed query must not spoil a transaction around the request
                marked = caches["throttle"].add(key, request.path, timeout=BUSY_MARK_SECONDS)
        except DatabaseError as error:
            logger.error("expensive request not counted (%s): run manage.py createcachetable", error)
            return None
        if not marked:
            logger.info("expensive request refused, another still running: user=%r path=%r",
                        request.user.get_username(), request.path)
            return too_busy(
                request, heading="You already have a report or download being made", retry_after=BUSY_RETRY_AFTER,
                message="Reports and downloads are made one at a time for each person, so that pages stay quick "
                        "for everyone. Wait for it to finish, then try again.",
            )
        request._expensive_request_key = key
        return None
