"""A batch of indicator values (monitoring.services.indicator_values_save) obeys exactly the single save's rules, in
its words, because the single save is a batch of one: each rule refuses the same item with the same message by
either route; one refused value refuses the batch and every problem is listed by its place; stale versions and an
indicator named twice are refused; what is saved is recorded in the history and the workflow like a single save."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from indicators.models import EntryStatus, IndicatorValue, PlanIndicator
from monitoring import audit, services, value_rows
from monitoring.models import Return, WorkflowEvent
from monitoring.workflow import WorkflowError
from plans.models import Period
from tests.builders import make_plan
from tests.cycle_builders import make_cycle, sign_off, submit_everything, submit_value
from tests.forecast_builders import RISING, with_history

pytestmark = pytest.mark.django_db

MISSED = "Explain why the value misses its target of 14.3%."
AT_RISK = "Explain why NI 152 is unlikely to meet its target of 14.3% for 2008/09 (forecast 15.4%, 1% likely)."
TOO_LONG = "Ensure this value has at most 10000 characters (it has 10001)."


@pytest.fixture
def cycle():
    return make_cycle(indicators=3)


def item(indicator, raw="120", commentary="", version=None, confirm_outlier=False) -> services.ValueItem:
    return services.ValueItem(indicator, raw, commentary, version, confirm_outlier)


def batch(cycle, *items, user=None, report=None, submit=True):
    return services.indicator_values_save(report=report or cycle.report, user=user or cycle["expert"],
                                          items=list(items), submit=submit)


def refusal(cycle, *items, **kwargs) -> dict[int, Exception]:
    with pytest.raises(services.ValuesRefused) as refused:
        batch(cycle, *items, **kwargs)
    return refused.value.problems


def words(error: Exception):
    return error.message_dict if isinstance(error, ValidationError) and hasattr(error, "error_dict") else str(error)


def single(cycle, value: services.ValueItem, *, user=None, report=None) -> Exception:
    """Return what the single save raises for the item (rolled back, so that the batch then meets the same data)."""
    try:
        with transaction.atomic():
            services.indicator_value_save(
                report=report or cycle.report, indicator=value.indicator, user=user or cycle["expert"],
                raw_value=value.raw_value, commentary=value.commentary, version=value.version,
                confirm_outlier=value.confirm_outlier, submit=True,
            )
    except Exception as error:  # noqa: BLE001 - compared with the batch's by the test
        return error
    raise AssertionError("the single save accepted it")


def assert_same_refusal(cycle, value, expected_type, expected, *, whole_batch=False, **kwargs):
    """Assert that the single save and a batch (with a value that is fine before it) refuse the value alike; a
    refusal of the user or the return (whole_batch) refuses the other value too."""
    one = single(cycle, value, **kwargs)
    many = refusal(cycle, item(cycle.indicators[2]), value, **kwargs)
    assert list(many) == ([0, 1] if whole_batch else [1])
    assert type(one) is type(many[1]) is expected_type
    assert words(one) == words(many[1]) == expected


def values_of(cycle):
    return sorted(IndicatorValue.objects.filter(period=cycle.round.period).values_list("indicator__code", "value"))


# ---------------------------------------------------------------------------------------------------------
# Each rule: the same refusal, in the same words, by the single save and in a batch


def test_an_indicator_the_user_does_not_look_after(cycle):
    assert_same_refusal(cycle, item(cycle.indicators[1]), PermissionDenied, services.NOT_YOUR_INDICATOR,
                        user=cycle["viewer"], whole_batch=True)


def test_an_indicator_not_in_the_returns_plan(cycle):
    other = make_plan("NI 153", first_year=2007, last_year=2010)
    outsider = cycle.indicators[1]
    PlanIndicator.objects.filter(plan=cycle.plan, indicator=outsider).update(plan=other)
    assert_same_refusal(cycle, item(outsider), PermissionDenied, services.NOT_YOUR_INDICATOR)


def test_a_value_that_is_not_a_number(cycle):
    assert_same_refusal(cycle, item(cycle.ni152, "=1+1"), ValidationError, {"value": ["Enter a number, like 14.2."]})


def test_a_value_with_too_many_decimal_places(cycle):
    assert_same_refusal(cycle, item(cycle.indicators[1], "12.5"), ValidationError,
                        {"value": ["Enter a whole number."]})


def test_commentary_longer_than_the_field(cycle):
    assert_same_refusal(cycle, item(cycle.ni152, "14.2", "x" * 10_001), ValidationError, {"commentary": [TOO_LONG]})


def test_a_missed_target_without_commentary(cycle):
    assert_same_refusal(cycle, item(cycle.ni152, "14.6"), ValidationError, {"commentary": [MISSED]})


def test_an_outlier_not_confirmed(cycle):
    assert_same_refusal(cycle, item(cycle.ni152, "41.6", "Boundary change"), ValidationError,
                        {"confirm_outlier": [services.OUTLIER_WARNING]})


def test_a_value_that_leaves_the_year_unlikely_without_commentary():
    rising = with_history(make_cycle(indicators=3), RISING)
    assert_same_refusal(rising, item(rising.ni152, "14.3"), ValidationError, {"commentary": [AT_RISK]})


def test_a_signed_off_return(cycle):
    sign_off(submit_everything(cycle))
    assert_same_refusal(cycle, item(cycle.ni152, "14.2", version=2), WorkflowError, services.LOCKED,
                        whole_batch=True)


def test_a_value_another_plans_signed_off_return_holds():
    cycle = make_cycle(indicators=2)
    submit_everything(cycle)
    IndicatorValue.objects.filter(indicator=cycle.indicators[1]).delete()  # a supporting measure with no data
    sign_off(cycle)
    other = make_plan("NI 153", first_year=2007, last_year=2010)
    PlanIndicator.objects.create(plan=other, indicator=cycle.indicators[1], position=0)
    PlanIndicator.objects.create(plan=other, indicator=cycle.ni152, position=1)
    report = Return.objects.create(round=cycle.round, plan=other)
    one = single(cycle, item(cycle.indicators[1], "50"), report=report)
    many = refusal(cycle, item(cycle.indicators[1], "50"), item(cycle.ni152, "14.0", version=2), report=report)
    assert type(one) is WorkflowError and str(one) == services.LOCKED
    assert {place: words(error) for place, error in many.items()} == {0: services.LOCKED, 1: services.LOCKED}


def test_a_closed_round(cycle):
    services.round_close(reporting_round=cycle.round, user=cycle["performance_officer"])
    assert_same_refusal(cycle, item(cycle.ni152, "14.2"), WorkflowError, services.ROUND_CLOSED,
                        whole_batch=True)


def test_a_stale_version(cycle):
    saved = submit_value(cycle, cycle.ni152, "14.2")
    submit_value(cycle, cycle.ni152, "14.1")  # someone else saved after it was read
    assert_same_refusal(cycle, item(cycle.ni152, "14.0", version=saved.version), services.StaleEdit,
                        services.STALE_EDIT)


def test_a_version_for_a_value_never_entered(cycle):
    assert_same_refusal(cycle, item(cycle.ni152, "14.0", version=3), services.StaleEdit, services.STALE_EDIT)


def test_no_version_for_a_value_already_entered(cycle):
    submit_value(cycle, cycle.ni152, "14.2")
    assert_same_refusal(cycle, item(cycle.ni152, "14.0"), services.StaleEdit, services.STALE_EDIT)


# ---------------------------------------------------------------------------------------------------------
# The batch as a whole


def test_one_refused_value_saves_nothing_and_every_problem_is_listed_by_place(cycle):
    submit_value(cycle, cycle.indicators[2], "7")
    before = (WorkflowEvent.objects.count(), IndicatorValue.history.count())

    problems = refusal(cycle, item(cycle.indicators[1], "120"), item(cycle.ni152, "14.6"),
                       item(cycle.indicators[2], "8", version=1), item(cycle.indicators[1], "121"),
                       item(cycle.indicators[2], "9", version=7))

    assert {place: words(error) for place, error in problems.items()} == {
        1: {"commentary": [MISSED]},
        3: {"indicator": [services.DUPLICATE_INDICATOR]},
        4: {"indicator": [services.DUPLICATE_INDICATOR]},
    }
    assert values_of(cycle) == [("LOCAL 2", Decimal(7))]
    assert IndicatorValue.objects.get(indicator=cycle.indicators[2], period=cycle.round.period).version == 1
    assert (WorkflowEvent.objects.count(), IndicatorValue.history.count()) == before


def test_a_stale_version_in_a_batch_is_named_by_its_place(cycle):
    submit_value(cycle, cycle.indicators[1], "100")
    submit_value(cycle, cycle.indicators[1], "101")  # version 2 now
    problems = refusal(cycle, item(cycle.ni152, "14.2"), item(cycle.indicators[1], "102", version=1))
    assert {place: words(error) for place, error in problems.items()} == {1: services.STALE_EDIT}
    assert values_of(cycle) == [("LOCAL 1", Decimal(101))]


def test_a_batch_saves_moves_and_records_every_value_like_the_single_save(cycle):
    submit_value(cycle, cycle.indicators[1], "100", submit=False)
    saved = batch(cycle, item(cycle.ni152, "14.6", "Redundancies"), item(cycle.indicators[1], "110", version=1),
                  item(cycle.indicators[2], "41"))

    assert [(entry.indicator.code, entry.value, entry.version, entry.status) for entry in saved] == [
        ("NI 152", Decimal("14.6"), 1, EntryStatus.SUBMITTED), ("LOCAL 1", Decimal(110), 2, EntryStatus.SUBMITTED),
        ("LOCAL 2", Decimal(41), 1, EntryStatus.SUBMITTED),
    ]
    stored = {row.indicator.code: row for row in IndicatorValue.objects.filter(period=cycle.round.period)}
    assert [(code, row.value, row.commentary, row.version, row.status, row.entered_by)
            for code, row in sorted(stored.items())] == [
        ("LOCAL 1", Decimal(110), "", 2, EntryStatus.SUBMITTED, cycle["expert"]),
        ("LOCAL 2", Decimal(41), "", 1, EntryStatus.SUBMITTED, cycle["expert"]),
        ("NI 152", Decimal("14.6"), "Redundancies", 1, EntryStatus.SUBMITTED, cycle["expert"]),
    ]
    events = WorkflowEvent.objects.filter(indicator_value__in=stored.values()).order_by("pk")
    assert [(event.indicator_value.indicator.code, event.move, event.from_status, event.to_status, event.user)
            for event in events] == [
        ("LOCAL 1", "save_draft", EntryStatus.NOT_STARTED, EntryStatus.DRAFT, cycle["expert"]),
        ("NI 152", "submit", EntryStatus.NOT_STARTED, EntryStatus.SUBMITTED, cycle["expert"]),
        ("LOCAL 1", "submit", EntryStatus.DRAFT, EntryStatus.SUBMITTED, cycle["expert"]),
        ("LOCAL 2", "submit", EntryStatus.NOT_STARTED, EntryStatus.SUBMITTED, cycle["expert"]),
    ]
    local = stored["LOCAL 1"]
    assert [(record.history_type, record.value, record.version, record.status, record.history_user)
            for record in local.history.order_by("history_date", "history_id")] == [
        ("+", Decimal(100), 1, EntryStatus.DRAFT, cycle["expert"]),
        ("~", Decimal(110), 2, EntryStatus.SUBMITTED, cycle["expert"]),
    ]
    assert [(record.history_type, record.value) for record in stored["LOCAL 2"].history.all()] == [("+", Decimal(41))]


def test_a_confirmed_outlier_is_recorded_as_confirmed_and_a_confirmation_of_none_is_not(cycle):
    saved = batch(cycle, item(cycle.ni152, "41.6", "Boundary change", confirm_outlier=True),
                  item(cycle.indicators[1], "120", confirm_outlier=True))
    assert [entry.outlier_confirmed for entry in saved] == [True, False]
    assert list(IndicatorValue.objects.filter(period=cycle.round.period).order_by("indicator__code")
                .values_list("outlier_confirmed", flat=True)) == [False, True]


def test_a_draft_batch_saves_drafts(cycle):
    saved = batch(cycle, item(cycle.indicators[1], "5"), submit=False)
    assert saved[0].status == EntryStatus.DRAFT
    assert IndicatorValue.objects.get(pk=saved[0].pk).status == EntryStatus.DRAFT


def test_a_value_entered_by_someone_else_after_the_batch_read_the_period_is_stale(cycle, monkeypatch):
    """The window between reading the period's values and inserting the new ones: another save entered one of them
    first. The database's unique constraint refuses the insert; the batch names the item stale and saves nothing."""
    read = value_rows.read_for_values

    def read_then_someone_else_saves(report, indicators):
        found = read(report, indicators)
        IndicatorValue.objects.create(indicator=cycle.indicators[2], period=Period.for_code("2008/09-Q1"),
                                      value=Decimal(3), status=EntryStatus.DRAFT)
        return found

    monkeypatch.setattr(value_rows, "read_for_values", read_then_someone_else_saves)
    with pytest.raises(services.ValuesRefused) as refused:
        batch(cycle, item(cycle.indicators[1], "120"), item(cycle.indicators[2], "4"))
    assert {place: words(error) for place, error in refused.value.problems.items()} == {1: services.STALE_EDIT}
    assert values_of(cycle) == []  # the batch's savepoint held the other save's row too, here in one connection


def test_a_batch_through_the_api_records_the_channel_on_its_moves_and_history(cycle):
    """The batch builds its workflow events with make_move and copies its history with the audit's reason, so that a
    batch through the API is recorded as a single save through it is (monitoring.audit)."""
    submit_value(cycle, cycle.indicators[1], "100", submit=False)
    detail = "token “Warehouse loader” (pm_ab12cde…)"
    with audit.through(audit.Via.API, detail=detail):
        saved = batch(cycle, item(cycle.indicators[1], "110", version=1), item(cycle.indicators[2], "41"))

    events = WorkflowEvent.objects.filter(indicator_value__in=saved, move="submit").order_by("pk")
    assert [(event.via, event.via_detail) for event in events] == [(audit.Via.API, detail)] * 2
    reasons = [entry.history.order_by("history_date", "history_id").last().history_change_reason for entry in saved]
    assert reasons == ["Through the API: " + detail] * 2
    first = saved[0].history.order_by("history_date", "history_id").first()
    assert first.history_change_reason is None  # the draft was saved on the page
