"""Uploads waiting for their uploader to confirm the import, kept under MEDIA_ROOT/imports/pending.

The upload page keeps a checked file until its uploader confirms it (monitoring.spreadsheets.views). So that such
files cannot pile up, each person keeps at most KEPT_PER_PERSON of them, whatever sessions they upload from (their
oldest go as they upload another), and none is kept longer than LIFETIME: every upload clears everyone's stale
files, and `manage.py clear_pending_uploads`, run daily from cron, clears those left when nobody uploads.

That is a command of its own rather than a step of `send_reminders`: reminders belong to the reporting rounds and
send email, and a site may switch them off; clearing files is housekeeping that must run anyway, and its count
is worth reading on its own.

A file is named `<user id>.<time kept, in ns>.<token>`: whose it is, when it was kept (a person's files sort oldest
first by name, where modification times can tie within a clock tick), and the token the uploader's session knows
it by. Files kept before they were named so carry the token alone; they are cleared by age like the rest.
"""

from __future__ import annotations

import time

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

PENDING_DIR = "imports/pending"
# Unconfirmed uploads one person may have: a file, a corrected copy and one more. A fourth pushes out the first.
KEPT_PER_PERSON = 3
# Seconds an unconfirmed upload is kept: a day, long enough to come back to a preview after a meeting.
LIFETIME = 24 * 60 * 60


def keep(*, user, token: str, content: bytes) -> tuple[str, list[str]]:
    """Keep an upload for the user; return its path and the paths of their older uploads deleted to make room."""
    forget_stale()
    older = sorted(path for path in _files() if path.startswith(f"{PENDING_DIR}/{user.pk}."))
    surplus = older[:max(len(older) - (KEPT_PER_PERSON - 1), 0)]
    for path in surplus:
        _delete(path)
    path = default_storage.save(f"{PENDING_DIR}/{user.pk}.{time.time_ns():020d}.{token}", ContentFile(content))
    return path, surplus


def forget_stale() -> int:
    """Delete every unconfirmed upload older than LIFETIME, anyone's; return how many were deleted."""
    cutoff = time.time() - LIFETIME
    deleted = 0
    for path in _files():
        try:
            stale = default_storage.get_modified_time(path).timestamp() < cutoff
        except (FileNotFoundError, OSError):  # confirmed or cleared by another request meanwhile
            continue
        if stale and _delete(path):
            deleted += 1
    return deleted


def _files() -> list[str]:
    try:
        _, names = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return []
    return [f"{PENDING_DIR}/{name}" for name in names]


def _delete(path: str) -> bool:
    try:
        default_storage.delete(path)
    except (FileNotFoundError, OSError):
        return False
    return True
