"""Display helpers for the creator pages."""

from django import template

register = template.Library()


@register.filter
def money(cents) -> str:
    """Integer cents as dollars: 123456 → "$1,234.56", -500 → "−$5.00"."""
    if cents is None or cents == "":
        return ""
    cents = int(cents)
    sign = "−" if cents < 0 else ""  # a typographic minus, as in the dashboard's changes
    dollars, rest = divmod(abs(cents), 100)  # integers: no float rounding of large sums
    return f"{sign}${dollars:,}.{rest:02d}"


@register.filter
def duration(seconds) -> str:
    """A span in its two largest units: 45 → "45 s", 750 → "12 min", 11100 → "3 h 5 min",
    187200 → "2 d 4 h" (time to unlock, and the like)."""
    if seconds is None or seconds == "":
        return ""
    total = max(0, int(seconds))
    if total < 60:
        return f"{total} s"
    minutes, hours, days = total // 60, total // 3600, total // 86400
    if total < 3600:
        return f"{minutes} min"
    if total < 86400:
        rest = minutes % 60
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    rest = hours % 24
    return f"{days} d {rest} h" if rest else f"{days} d"
