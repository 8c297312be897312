"""The staff back office. Writes with business meaning go through crm.services, as everywhere.

One module per area; importing them registers every CRM model with the admin site.
"""

from . import accounts, campaigns, conversations, fans, money, security, users  # noqa: F401
