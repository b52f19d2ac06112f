"""The demo logins of fixtures/demo_logins.toml: users, their roles in a partnership (Membership), the Django groups
that give staff logins the admin site's permissions, and the people they are in the plans."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from monitoring.demo.data import (
    DEMO_LOGINS_FILE,
    DemoDataError,
    check_keys,
    lookup,
    partnership_named,
    person_named,
    read_fixture,
    save_checked,
)
from plans import partnerships
from plans.models import DeliveryAction, Membership, Organisation, Partnership, Person

USER_KEYS = {
    "username", "first_name", "last_name", "email", "is_superuser", "is_staff", "admin_groups", "partnership",
    "roles", "person", "leads",
}

# The Django group that gives a staff login the admin site's permissions over the partnership's data (the site
# shows it its own partnership only). Adding or deleting a partnership is left to the site administrator.
ADMINISTRATORS = "Administrators"
ADMINISTERED_APPS = ["plans", "indicators", "funding", "monitoring"]
ACTIONS = ["add", "change", "delete", "view"]
SITE_ADMINISTRATOR_ONLY = ["add_partnership", "delete_partnership"]


def administrators_group() -> Group:
    """Return the Administrators group, its permissions set to those of ADMINISTERED_APPS (made when missing)."""
    group = Group.objects.get_or_create(name=ADMINISTRATORS)[0]
    actions = Q()
    for action in ACTIONS:
        actions |= Q(codename__startswith=f"{action}_")
    permissions = (
        Permission.objects.filter(actions, content_type__app_label__in=ADMINISTERED_APPS)
        .exclude(content_type__app_label="plans", codename__in=SITE_ADMINISTRATOR_ONLY)
    )
    group.permissions.set(permissions)
    return group


def load_demo_logins(data: dict | None = None) -> str:
    """Create (or reset) the demo users, their roles, groups and the people they are; the password is reset each
    time, and so are their roles: a demo login holds exactly the roles the file gives it."""
    data = data if data is not None else read_fixture(DEMO_LOGINS_FILE)
    check_keys(data, {"password", "users"}, "demo logins file")
    user_model = get_user_model()
    with transaction.atomic():
        groups = {ADMINISTRATORS: administrators_group()}
        password = make_password(data["password"])  # hashed once: the slow hasher runs once, not per user
        for row in data["users"]:
            check_keys(row, USER_KEYS, f"user {row.get('username')!r}")
            user = user_model.objects.filter(username=row["username"]).first() or user_model(username=row["username"])
            user.first_name = row["first_name"]
            user.last_name = row["last_name"]
            user.email = row["email"]
            user.is_superuser = row.get("is_superuser", False)
            user.is_staff = row.get("is_staff", False)
            user.is_active = True
            user.password = password
            save_checked(user)
            user.groups.set([lookup(groups, name, "group") for name in row.get("admin_groups", [])])
            partnership = _set_roles(user, row)
            if "person" in row:
                if partnership is None:
                    raise DemoDataError(f"user {row['username']!r}: a person belongs to a partnership; name it.")
                with partnerships.within([partnership.pk]):
                    person = _link_person(user, row["person"])
                    for lead in row.get("leads", []):
                        _make_lead(person, lead)
    names = ", ".join(row["username"] for row in data["users"])
    return f"Demo logins: {names} (password {data['password']!r})."


def _set_roles(user, row: dict) -> Partnership | None:
    """Give the user exactly the roles the row names in its partnership (and none elsewhere); return it."""
    roles = row.get("roles", [])
    for role in roles:
        if role not in Membership.Role.values:
            known = ", ".join(Membership.Role.values)
            raise DemoDataError(f"user {row['username']!r}: unknown role {role!r} (one of {known}).")
    if roles and "partnership" not in row:
        raise DemoDataError(f"user {row['username']!r}: roles are held in a partnership; name it.")
    partnership = partnership_named(row["partnership"]) if "partnership" in row else None
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        held = Membership.objects.filter(user=user)
        held.exclude(partnership=partnership, role__in=roles).delete()
        have = set(held.values_list("role", flat=True))
        for role in roles:
            if role not in have:
                save_checked(Membership(partnership=partnership, user=user, role=role))
    return partnership


def _link_person(user, spec: dict) -> Person:
    check_keys(spec, {"name", "job_title", "organisation"}, "person of a demo user")
    organisation = None
    if spec.get("organisation"):
        organisation = Organisation.objects.filter(short_name=spec["organisation"]).first()
        if organisation is None:
            raise DemoDataError(f"Unknown organisation {spec['organisation']!r} (load the plans first).")
    person = person_named(spec["name"], spec.get("job_title", ""), organisation)
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):  # a login is one person, in whichever partnership
        Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
    if person.user_id != user.pk:
        person.user = user
        save_checked(person)
    return person


def _make_lead(person: Person, lead: dict) -> None:
    """Make the person the lead officer of the named actions of a plan (of the partnership in scope)."""
    check_keys(lead, {"plan", "actions"}, "leads")
    actions = DeliveryAction.objects.filter(plan__reference=lead["plan"], title__in=lead["actions"])
    found = set(actions.values_list("title", flat=True))
    missing = [title for title in lead["actions"] if title not in found]
    if missing:
        raise DemoDataError(f"{lead['plan']} has no action titled {', '.join(map(repr, missing))}.")
    actions.update(lead_officer=person)
