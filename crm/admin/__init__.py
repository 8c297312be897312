"""The staff back office. Writes with business meaning go through crm.services, as everywhere.

One module per area; importing them registers every CRM model with the admin site.
"""

from . import accounts, campaigns, chat, conversations, fans, money, security, teams, users  # noqa: F401
