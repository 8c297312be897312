"""Display helpers for the creator pages."""

from django import template

register = template.Library()


@register.filter
def money(cents) -> str:
    """Integer cents as dollars: 123456 → "$1,234.56", -500 → "−$5.00"."""
    if cents is None or cents == "":
        return ""
    cents = int(cents)
    sign = "−" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"
