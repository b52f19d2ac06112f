"""Small builders for test data: each returns a saved, valid object with sensible defaults."""

from itertools import count

from plans.models import Organisation, Partnership, Plan

_serial = count(1)

TEST_PARTNERSHIP = "Test Partnership"


def test_partnership() -> Partnership:
    """Return the partnership a test's data belongs to unless it says otherwise."""
    return Partnership.objects.get_or_create(name=TEST_PARTNERSHIP)[0]


test_partnership.__test__ = False  # a builder, not a test


def make_partnership(name: str | None = None) -> Partnership:
    return Partnership.objects.create(name=name or f"Partnership {next(_serial)}")


def make_organisation(short_name: str | None = None, **fields) -> Organisation:
    short_name = short_name or f"ORG{next(_serial)}"
    return Organisation.objects.create(short_name=short_name, name=fields.pop("name", f"{short_name} body"), **fields)


def make_plan(reference: str | None = None, **fields) -> Plan:
    if "partnership" not in fields and "partnership_id" not in fields:
        fields["partnership"] = test_partnership()
    fields.setdefault("kind", Plan.Kind.LAA_TARGET)
    fields.setdefault("title", "Working age people on out of work benefits")
    fields.setdefault("reporting_frequency", Plan.Frequency.QUARTERLY)
    fields.setdefault("first_year", 2008)
    fields.setdefault("last_year", 2010)
    if "lead_organisation" not in fields:
        fields["lead_organisation"] = make_organisation()
    return Plan.objects.create(reference=reference or f"NI {next(_serial)}", **fields)
