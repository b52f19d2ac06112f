"""What a seal refuses, and how such a refusal is recognised, whichever layer made it.

A seal (plans.models.Seal) stands for a signed-off return. The models it protects check it first, for a message in
words (SealedError); the database's triggers (monitoring migration 0005) stand behind them and refuse with an
integrity error whose message starts with SEALED_ERROR. Pages, imports and commands ask is_sealed_refusal() to
tell either apart from any other failure and answer in the same words, LOCKED.
"""

from __future__ import annotations

from django.db import IntegrityError, models

SEALED_ERROR = "sealed"  # how every refusal by the database's triggers starts
LOCKED = (
    "This is part of a signed-off return, which is locked: it cannot be added, changed or removed. A performance "
    "officer can reopen the return, giving a reason."
)


class SealedError(Exception):
    """A write refused because a signed-off return holds what it would change; the message says what and why."""

    def __init__(self, message: str = LOCKED):
        super().__init__(message)
        self.message = message


def is_sealed_refusal(error: BaseException) -> bool:
    """Return True if the error is a seal's refusal, by a model's check or by the database's trigger."""
    if isinstance(error, SealedError):
        return True
    return isinstance(error, IntegrityError) and SEALED_ERROR + ":" in str(error)


class SealGuardedQuerySet(models.QuerySet):
    """A queryset whose delete() first lets its model refuse rows that a signed-off return holds.

    The model names those rows in `sealed_rows(queryset)`. The database refuses the same deletes on PostgreSQL; on
    SQLite this check is the guard (see monitoring migration 0005 for why).
    """

    def delete(self):
        refuse_sealed(self)
        return super().delete()


def refuse_sealed(queryset: models.QuerySet) -> None:
    """Raise SealedError naming the first row of the queryset that a signed-off return holds."""
    sealed = queryset.model.sealed_rows(queryset).first()
    if sealed is not None:
        raise SealedError(f"{sealed}: {LOCKED}")
