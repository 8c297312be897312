"""Formatting for the dashboard: signed percentages, shares, durations (money: core.templatetags.formatting)."""

from django import template

register = template.Library()


@register.filter
def percent(value, digits: int = 1) -> str:
    """0.1234 -> "12.3%"."""
    return f"{float(value or 0) * 100:.{int(digits)}f}%"


@register.filter
def signed_percent(value) -> str:
    """A change as "+12.3%", "−5.0%" or "0.0%"."""
    number = float(value or 0) * 100
    if number > 0:
        return f"+{number:.1f}%"
    if number < 0:
        return f"−{abs(number):.1f}%"
    return "0.0%"


@register.filter
def trend_class(value) -> str:
    number = float(value or 0)
    return "up" if number > 0 else "down" if number < 0 else "flat"


@register.filter
def duration(seconds) -> str:
    """Seconds as "45 s", "12 min", "3.5 h"."""
    seconds = int(seconds or 0)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
