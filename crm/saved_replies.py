"""Saved replies: the variables a body may use and how they are filled in (docs/delivery.md,
"Saved replies").

Filled by plain substitution, never by a template engine: a body is the creator's text, so it
must not reach Django's templates (no tags, no filters, no attribute lookups). The result is text
that goes into the composer; HTML escaping is the page's job, as for any message.
"""

import re

from core.exceptions import InvalidInput

# {{ fan.name }} and {{ creator.display_name }}, with any spacing inside the braces.
VARIABLE = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*\}\}")
VARIABLES = {
    "fan.name": lambda fan, creator: fan.name if fan is not None else "",
    "creator.display_name": lambda fan, creator: creator.display_name or creator.slug,
}
MAX_TITLE, MAX_BODY = 100, 5000


def check_body(body: str) -> str:
    """The body as stored: trimmed, not empty, only known variables."""
    body = (body or "").strip()
    if not body:
        raise InvalidInput("Write the reply", field="body")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"At most {MAX_BODY} characters", field="body")
    unknown = sorted({name for name in VARIABLE.findall(body) if name not in VARIABLES})
    if unknown or "{{" in VARIABLE.sub("", body):
        known = ", ".join(f"{{{{ {name} }}}}" for name in VARIABLES)
        raise InvalidInput(f"Unknown variable: the variables are {known}", field="body")
    return body


def render(body: str, *, fan, creator) -> str:
    """The body with its variables filled in for this fan and creator."""
    return VARIABLE.sub(lambda m: VARIABLES[m.group(1)](fan, creator) if m.group(1) in VARIABLES else m.group(0), body)
