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
