"""Security plumbing: sessions that end, sign-in failures and refusals on the record, the lockout page, uploads.

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
- `check_upload` tells a spreadsheet or CSV file by its content, never by its name, and refuses one too large,
  packed or unpacked: a workbook is judged by what it would unpack to before anything parses it.
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
import zlib
from dataclasses import dataclass
from xml.parsers import expat

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model, logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.cache import caches
from django.core.exceptions import ValidationError
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
    `max_size` is the caller's limit in bytes (imports use IMPORT_MAX_UPLOAD_BYTES). A workbook is also unpacked,
    a piece at a time and keeping nothing, and refused if it would unpack to more than the server should read
    (see _check_unpacked).
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
            size = _measured(uploaded, limit)
            _check_unpacked(uploaded)
            return CheckedUpload(XLSX, size)
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


# Workbooks that would unpack to more than the server should read.
#
# A workbook is a zip archive of XML parts, and the upload limit applies to the packed file: one of 107 KB held a
# 100 MB cell (reading it took a worker to 576 MB), one of 424 KB three million empty rows (it held a worker until
# it was killed). So before openpyxl opens a workbook, its parts are judged twice: by the sizes the zip's index
# declares, which costs nothing, then by unpacking each part 64 KB at a time through expat, keeping nothing, since
# an index can lie. Every limit is far above what Excel or our own exports write, and the first one passed refuses
# the file. Rows, columns and filled cells are limited as the rows are read (monitoring.spreadsheets.files).

# Unpacked bytes of all the parts together. Our export of 100,000 values (the most rows an import takes) packs to
# 3.9 MB and unpacks to 46 MB: twice that admits any real workbook under the upload limit.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# How many times its packed size a part may unpack to. Excel's parts and our exports unpack to 5 to 15 times (the
# most repetitive sheet we could write, 15); a zip bomb to about 1,000 times (a 100 MB cell in 100 KB: 1,026).
MAX_PACKING_RATIO = 100
# Parts smaller than this unpacked are not judged by their ratio: a few styles may pack tightly, and cost nothing.
RATIO_FROM_BYTES = 1024 * 1024
# Parts in the archive: a workbook of 1,000 sheets has about 2,000.
MAX_PARTS = 10_000
# The most characters Excel keeps in a cell, and so the most an import reads from one.
MAX_CELL_CHARS = 32_767
# Characters of XML text inside one cell or shared string before it is refused: its value, its formula (at most
# 8,192 in Excel) and phonetic guide, with room for the _x000D_ escapes Excel writes for control characters. The
# value itself is held to MAX_CELL_CHARS when it is read.
MAX_CELL_XML_CHARS = 4 * MAX_CELL_CHARS
# Bytes the XML parser may hold for one tag, comment or instruction: it keeps each whole until it ends.
MAX_TOKEN_BYTES = 1024 * 1024
# Elements nested in elements: a sheet's XML goes 6 deep, a chart's about 15.
MAX_XML_DEPTH = 64
# Elements openpyxl holds while it reads a part: those inside one row or shared string, cleared when it ends, and
# the rest, kept to the end of the part (a shared-string table of a million strings keeps a million).
MAX_RECORD_ELEMENTS = 100_000
MAX_KEPT_ELEMENTS = 1_000_000
UNPACK_PIECE = 64 * 1024

UNPACKED_TOO_LARGE = ("The selected file must be smaller than {limit} once unpacked (an Excel workbook is a zip "
                      "archive): this one unpacks to {size}. Split it into smaller files")
TOO_TIGHTLY_PACKED = ("Part of the selected file unpacks to {ratio:,} times its packed size, as no Excel workbook "
                      "does (theirs unpack to about 10 times). Save it again from Excel, or save it as CSV")
CELL_TOO_LONG = ("The selected file has a cell longer than {limit:,} characters, the most a cell of an Excel "
                 "workbook holds{where}. Shorten it, or split it across rows")
DAMAGED_WORKBOOK = "The selected file is a damaged workbook: {why}. Save it again from Excel"
PART_MISMATCH = "a part of it does not match the size or checksum its index gives"
UNUSUAL_XML = "The selected file holds XML that no spreadsheet program writes ({what}). Save it again from Excel"
_CELL_REFERENCE = re.compile(r"[A-Z]{1,3}[0-9]{1,7}")


def _check_unpacked(uploaded) -> None:
    """Raise ValidationError if the workbook would unpack to more than the limits above allow."""
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            parts = archive.infolist()
            _check_index(parts)
            left = MAX_UNPACKED_BYTES
            for part in parts:
                left -= _unpack_part(archive, part, left)
    except (zipfile.BadZipFile, zlib.error, EOFError):  # a checksum or size that does not match, a broken stream
        raise ValidationError(DAMAGED_WORKBOOK.format(why=PART_MISMATCH), code="damaged") from None
    except (OSError, RuntimeError, NotImplementedError, ValueError) as error:  # encrypted, unknown compression
        why = f"it could not be unpacked ({type(error).__name__})"
        raise ValidationError(DAMAGED_WORKBOOK.format(why=why), code="damaged") from None


def _check_index(parts: list[zipfile.ZipInfo]) -> None:
    """Judge the parts by the sizes the zip's index declares: free, and enough for an honest zip bomb."""
    if len(parts) > MAX_PARTS:
        raise ValidationError(DAMAGED_WORKBOOK.format(why=f"it has more than {MAX_PARTS:,} parts"), code="damaged")
    for part in parts:
        if part.file_size > RATIO_FROM_BYTES and part.file_size > MAX_PACKING_RATIO * part.compress_size:
            ratio = part.file_size // max(part.compress_size, 1)
            raise ValidationError(TOO_TIGHTLY_PACKED.format(ratio=ratio), code="too_tightly_packed")
    declared = sum(part.file_size for part in parts)
    if declared > MAX_UNPACKED_BYTES:
        raise ValidationError(UNPACKED_TOO_LARGE.format(limit=_size_label(MAX_UNPACKED_BYTES),
                                                        size=_size_label(declared)), code="unpacked_too_large")


def _unpack_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, left: int) -> int:
    """Unpack one part a piece at a time, reading its XML as it comes; return its real size.

    zipfile never unpacks more than the size a part declares, and checks the checksum at its end: a part whose
    index lies is refused as damaged once its declared size has been read, never after more.
    """
    xml = _PartXml()
    size = 0
    with archive.open(part) as stream:
        while piece := stream.read(UNPACK_PIECE):
            size += len(piece)
            if size > left:
                limit = _size_label(MAX_UNPACKED_BYTES)
                raise ValidationError(UNPACKED_TOO_LARGE.format(limit=limit, size=f"more than {limit}"),
                                      code="unpacked_too_large")
            xml.feed(piece)
    xml.close()
    if size != part.file_size:
        raise ValidationError(DAMAGED_WORKBOOK.format(why=PART_MISMATCH), code="damaged")
    return size


def _unusual(what: str) -> ValidationError:
    return ValidationError(UNUSUAL_XML.format(what=what), code="unusual_xml")


class _PartXml:
    """Read one part's XML as it is unpacked, keeping nothing but counts; raise at the first limit passed.

    Every part is read, whatever its name, since a workbook's index can make openpyxl read any part as a sheet.
    A part that is not well-formed XML (a picture, or one of Excel's legacy VML drawings, which may hold HTML's
    <br>) is read no further than its first fault: openpyxl's parser, the same expat, stops there too.
    """

    CELLS = frozenset({"c", "si"})  # a sheet's cell and a shared string: openpyxl joins all the text inside one
    RECORDS = frozenset({"row", "c", "si"})  # what openpyxl clears as soon as it has read it

    def __init__(self):
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.reading = True
        self.fed = self.depth = self.cell_depth = self.record_depth = 0
        self.text = self.record_elements = self.kept_elements = 0
        self.cell = ""

    def feed(self, piece: bytes) -> None:
        if not self.reading:
            return
        self.fed += len(piece)
        try:
            self.parser.Parse(piece, False)
        except expat.ExpatError:
            self.reading = False
            return
        # After a piece, expat's byte index stays at the start of a tag, comment or instruction it has not seen
        # the end of (text moves it on): what lies between is what it holds.
        if self.fed - max(self.parser.CurrentByteIndex, 0) > MAX_TOKEN_BYTES:
            raise _unusual(f"a tag, comment or instruction longer than {_size_label(MAX_TOKEN_BYTES)}")

    def close(self) -> None:
        if self.reading:
            try:
                self.parser.Parse(b"", True)
            except expat.ExpatError:
                self.reading = False

    def _start(self, name: str, attributes: dict) -> None:
        self.depth += 1
        if self.depth > MAX_XML_DEPTH:
            raise _unusual(f"elements nested more than {MAX_XML_DEPTH} deep")
        local = name.rpartition(":")[2]
        if self.record_depth:
            self.record_elements += 1
            if self.record_elements > MAX_RECORD_ELEMENTS:
                raise _unusual(f"a row or string of more than {MAX_RECORD_ELEMENTS:,} elements")
        else:
            self.kept_elements += 1
            if self.kept_elements > MAX_KEPT_ELEMENTS:
                raise _unusual(f"a part of more than {MAX_KEPT_ELEMENTS:,} rows, strings or other elements")
            if local in self.RECORDS:
                self.record_depth, self.record_elements = self.depth, 0
        if not self.cell_depth and local in self.CELLS:
            reference = attributes.get("r", "")
            self.cell_depth, self.cell = self.depth, reference if _CELL_REFERENCE.fullmatch(reference) else ""
        if not self.cell_depth or self.cell_depth == self.depth:
            self.text = 0  # outside a cell, text is counted from one tag to the next

    def _end(self, name: str) -> None:
        if self.depth == self.cell_depth:
            self.cell_depth = 0
        if self.depth == self.record_depth:
            self.record_depth = 0
        if not self.cell_depth:
            self.text = 0
        self.depth -= 1

    def _text(self, data: str) -> None:
        self.text += len(data)
        if self.text > MAX_CELL_XML_CHARS:
            if self.cell_depth:
                where = f" (cell {self.cell})" if self.cell else ""
                raise ValidationError(CELL_TOO_LONG.format(limit=MAX_CELL_CHARS, where=where), code="cell_too_long")
            raise _unusual(f"text of more than {MAX_CELL_XML_CHARS:,} characters outside any cell")


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
