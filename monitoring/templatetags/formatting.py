"""Numbers, money and dates as people in the UK write them: £12,945,888, (2,840), 15 May 2008."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _grouped(value: Decimal) -> str:
    """Return the number with thousands separators, and decimals only when it has some: 9505.00 -> 9,505."""
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value.normalize():,f}"


@register.filter
def number(value) -> str:
    """Return a count as printed: 9505 -> '9,505', 0 -> '0', nothing -> ''."""
    amount = _decimal(value)
    return "" if amount is None else _grouped(amount)


@register.filter
def money(value) -> str:
    """Return pounds as printed: 12945888 -> '£12,945,888'; pence only when there are some."""
    amount = _decimal(value)
    if amount is None:
        return ""
    text = f"£{abs(amount):,.0f}" if amount == amount.to_integral_value() else f"£{abs(amount):,.2f}"
    return f"-{text}" if amount < 0 else text


@register.filter
def thousands(value) -> str:
    """Return a figure of an accounts table: 21149 -> '21,149', -2840 -> '(2,840)', nothing -> ''."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return f"({_grouped(abs(amount))})" if amount < 0 else _grouped(amount)


@register.filter
def money_total(total) -> str:
    """Return a funding total: '£871,355', '£871,355 plus tbc', 'tbc', 'Not yet identified', or ''.

    Takes anything with ``amount``, ``known``, ``tbc`` and ``not_identified`` (funding.models.Total).
    """
    if total is None:
        return ""
    if total.known == 0:
        if total.tbc:
            return "tbc"
        return "Not yet identified" if total.not_identified else ""
    text = money(total.amount)
    return f"{text} plus tbc" if total.tbc else text


@register.filter
def long_date(value) -> str:
    """Return a date as GOV.UK writes it: '15 May 2008'."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    if not isinstance(value, date):
        return str(value)
    return f"{value.day} {value:%B %Y}"


@register.filter
def yes_no(value) -> str:
    """Return 'Yes' or 'No' for a boolean, '' for unknown."""
    if value is None:
        return ""
    return "Yes" if value else "No"
