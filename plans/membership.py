"""Partnerships and the roles logins hold in them: who owns a row, and who may see it.

Every partnership-owned model names its partnership with `partnership_field` (or reaches it through its plan);
plans.partnerships keeps each query within the partnerships in scope. plans.models re-exports these names.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from plans.partnerships import PartnershipOwned, sees_everything, visible_ids


class Partnership(PartnershipOwned):
    """Partners who agree plans together and report on them: the unit of ownership and of access.

    Everything a plan holds, its indicators' values and targets, its rounds, returns, imports and reports belong to
    one partnership, and nobody outside it sees them (plans.partnerships). Organisations and periods are shared.
    """

    partnership_path = "self"

    name = models.CharField(max_length=200, unique=True, help_text="For example Coventry Partnership.")
    is_active = models.BooleanField(default=True, help_text="Members of an inactive partnership cannot sign in to it.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @classmethod
    def implied_id(cls) -> int | None:
        """Return the id of the partnership that work not naming one is for: the one in scope, or, for code that
        sees every partnership (a command, a test), the install's only partnership; else None."""
        in_scope = partnership_in_scope()
        if in_scope is not None or not sees_everything():
            return in_scope
        only = list(cls.objects.values_list("pk", flat=True)[:2])
        return only[0] if len(only) == 1 else None


def partnership_in_scope() -> int | None:
    """Return the id of the partnership new rows belong to when none is given: the one partnership in scope, else
    None (PartnershipOwned.save then tries the install's only partnership). Asks nothing of the database: it runs
    each time such a model is made."""
    ids = visible_ids()
    return next(iter(ids)) if ids is not None and len(ids) == 1 else None


def partnership_field(**kwargs) -> models.ForeignKey:
    """Return the foreign key by which a model belongs to a partnership, defaulting to the one in scope."""
    kwargs.setdefault("on_delete", models.PROTECT)
    kwargs.setdefault("related_name", "+")
    return models.ForeignKey(Partnership, default=partnership_in_scope, **kwargs)


class Membership(PartnershipOwned):
    """A role a login holds in one partnership. One login may hold several roles, in several partnerships.

    The performance officer's role is what lets someone administer the partnership's plans, people and rounds;
    the others say how the person takes part. What each may do to an object (report an action, enter a value, sign
    a return off) is decided by the object itself: monitoring.permissions.
    """

    partnership_path = "partnership"

    class Role(models.TextChoices):
        PERFORMANCE_OFFICER = "performance_officer", "Performance officer"
        LEAD_OFFICER = "lead_officer", "Lead officer"
        DATA_EXPERT = "data_expert", "Data expert"
        INDICATOR_OWNER = "indicator_owner", "Indicator owner"
        STRATEGIC_GROUP = "strategic_group", "Strategic group member"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)

    class Meta:
        ordering = ["partnership", "user", "role"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "user", "role"], name="membership_unique_role"),
        ]

    def __str__(self):
        return f"{self.user}: {self.get_role_display()}, {self.partnership}"
