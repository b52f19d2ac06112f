"""The demo logins of fixtures/demo_logins.toml: users, their groups and the people they are in the plans."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from monitoring.demo.data import (
    DEMO_LOGINS_FILE,
    DemoDataError,
    check_keys,
    lookup,
    person_named,
    read_fixture,
    save_checked,
)
from plans.models import DeliveryAction, Organisation, Person

USER_KEYS = {"username", "first_name", "last_name", "email", "is_superuser", "is_staff", "groups", "person", "leads"}


def load_demo_logins(data: dict | None = None) -> str:
    """Create (or reset) the demo users, their groups and the people they are; the password is reset each time."""
    data = data if data is not None else read_fixture(DEMO_LOGINS_FILE)
    user_model = get_user_model()
    with transaction.atomic():
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in data["groups"]}
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
            user.groups.set([lookup(groups, name, "group") for name in row["groups"]])
            if "person" in row:
                person = _link_person(user, row["person"])
                for lead in row.get("leads", []):
                    _make_lead(person, lead)
    names = ", ".join(row["username"] for row in data["users"])
    return f"Demo logins: {names} (password {data['password']!r})."


def _link_person(user, spec: dict) -> Person:
    check_keys(spec, {"name", "job_title", "organisation"}, "person of a demo user")
    organisation = None
    if spec.get("organisation"):
        organisation = Organisation.objects.filter(short_name=spec["organisation"]).first()
        if organisation is None:
            raise DemoDataError(f"Unknown organisation {spec['organisation']!r} (load the plans first).")
    person = person_named(spec["name"], spec.get("job_title", ""), organisation)
    Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
    if person.user_id != user.pk:
        person.user = user
        save_checked(person)
    return person


def _make_lead(person: Person, lead: dict) -> None:
    """Make the person the lead officer of the named actions of a plan."""
    check_keys(lead, {"plan", "actions"}, "leads")
    actions = DeliveryAction.objects.filter(plan__reference=lead["plan"], title__in=lead["actions"])
    found = set(actions.values_list("title", flat=True))
    missing = [title for title in lead["actions"] if title not in found]
    if missing:
        raise DemoDataError(f"{lead['plan']} has no action titled {', '.join(map(repr, missing))}.")
    actions.update(lead_officer=person)
