"""Daily summaries of the CRM's raw rows, kept exact by analytics.services.

Every row covers one UTC calendar day (`day`). The overview combines the whole days inside a
window from these tables with the partial days at its edges read from the raw rows, so rolling
windows that start at any instant stay exact (see docs/analytics.md). Rows that belong to a fan
cascade with the fan; the creator-level rows are corrected by `analytics.services.fan_forget`.
"""

from django.db import models

from crm.choices import Platform
from crm.models import Creator, Fan


class DailyRevenue(models.Model):
    """A creator's revenue (refunds subtracted, opening balances excluded) per day and platform."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    platform = models.CharField(max_length=20, choices=Platform.choices)
    revenue_cents = models.BigIntegerField(default=0)
    # How many transactions the row sums: a row exists exactly while it sums some (a day's
    # sales and refunds can net to 0), so removing a fan's share can drop emptied rows.
    transactions = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["creator", "day", "platform"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "day", "platform"], name="an_daily_revenue_unique"),
        ]

    def __str__(self):
        return f"{self.creator_id} {self.day} {self.platform}: {self.revenue_cents}¢"


class DailyMessaging(models.Model):
    """A creator's outgoing messages per day: how many, how many by AI, and their response times."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    outgoing = models.BigIntegerField(default=0)
    outgoing_ai = models.BigIntegerField(default=0)
    responses = models.BigIntegerField(default=0)
    response_seconds = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["creator", "day"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "day"], name="an_daily_messaging_unique"),
        ]

    def __str__(self):
        return f"{self.creator_id} {self.day}: {self.outgoing} out"


class FanDailyRevenue(models.Model):
    """One fan's revenue and subscription payments on one day (for top fans and distinct subscribers)."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    revenue_cents = models.BigIntegerField(default=0)
    subscriptions = models.IntegerField(default=0)

    class Meta:
        ordering = ["creator", "day", "fan"]
        constraints = [
            models.UniqueConstraint(fields=["fan", "day"], name="an_fan_daily_revenue_unique"),
        ]
        indexes = [
            # Covers the window scans: no table lookups for top fans or distinct subscribers.
            models.Index(
                fields=["creator", "day", "fan", "revenue_cents", "subscriptions"], name="an_fan_rev_window"
            ),
        ]

    def __str__(self):
        return f"fan {self.fan_id} {self.day}: {self.revenue_cents}¢"


class FanDailyActivity(models.Model):
    """How many messages one fan sent on one day (for distinct active fans per week)."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    incoming = models.IntegerField(default=0)

    class Meta:
        ordering = ["creator", "day", "fan"]
        verbose_name_plural = "fan daily activity"
        constraints = [
            models.UniqueConstraint(fields=["fan", "day"], name="an_fan_daily_activity_unique"),
        ]
        indexes = [
            models.Index(fields=["creator", "day", "fan"], name="an_fan_activity_window"),
        ]

    def __str__(self):
        return f"fan {self.fan_id} {self.day}: {self.incoming} in"
