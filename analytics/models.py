"""Summaries of the CRM's raw rows, kept exact by analytics.services.

Most rows cover one UTC hour (`hour`, its start); DailyRevenue a UTC day, FanMonthlyPaid a UTC
month. The overview combines the whole hours (or days) inside a window from these tables with the
partial hours at its edges read from the raw rows, so rolling windows that start at any instant
stay exact (see docs/analytics.md). Rows that belong to a fan cascade with the fan; the
creator-level rows are corrected by `analytics.services.fan_forget`.
"""

from django.db import models

from crm.choices import Platform
from crm.models import Creator, Fan


class HourlyRevenue(models.Model):
    """A creator's revenue (refunds subtracted, opening balances excluded) per hour and platform."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    platform = models.CharField(max_length=20, choices=Platform.choices)
    revenue_cents = models.BigIntegerField(default=0)
    # How many transactions the row sums: a row exists exactly while it sums some (an hour's
    # sales and refunds can net to 0), so removing a fan's share can drop emptied rows.
    transactions = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["creator", "hour", "platform"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "hour", "platform"], name="an_hourly_revenue_unique"),
        ]
        indexes = [
            # Covers the month and window scans: no table lookups.
            models.Index(fields=["creator", "hour", "platform", "revenue_cents"], name="an_revenue_window"),
        ]

    def __str__(self):
        return f"{self.creator_id} {self.hour:%Y-%m-%d %H:00} {self.platform}: {self.revenue_cents}¢"


class DailyRevenue(models.Model):
    """HourlyRevenue summed per UTC day (`day` is its midnight): six months are 180 rows, not 4,320."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    day = models.DateTimeField()
    platform = models.CharField(max_length=20, choices=Platform.choices)
    revenue_cents = models.BigIntegerField(default=0)
    transactions = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["creator", "day", "platform"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "day", "platform"], name="an_daily_revenue_unique"),
        ]

    def __str__(self):
        return f"{self.creator_id} {self.day:%Y-%m-%d} {self.platform}: {self.revenue_cents}¢"


class HourlyMessaging(models.Model):
    """A creator's outgoing messages per hour: how many, how many by AI, and their response times."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    outgoing = models.BigIntegerField(default=0)
    outgoing_ai = models.BigIntegerField(default=0)
    responses = models.BigIntegerField(default=0)
    response_seconds = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["creator", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "hour"], name="an_hourly_messaging_unique"),
        ]

    def __str__(self):
        return f"{self.creator_id} {self.hour:%Y-%m-%d %H:00}: {self.outgoing} out"


class FanHourlyRevenue(models.Model):
    """One fan's revenue in one hour (for the top fans of a window)."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    revenue_cents = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["creator", "hour", "fan"]
        constraints = [
            models.UniqueConstraint(fields=["fan", "hour"], name="an_fan_hourly_revenue_unique"),
        ]
        indexes = [
            # Covers the window scan: no table lookups for top fans.
            models.Index(fields=["creator", "hour", "fan", "revenue_cents"], name="an_fan_rev_window"),
        ]

    def __str__(self):
        return f"fan {self.fan_id} {self.hour:%Y-%m-%d %H:00}: {self.revenue_cents}¢"


# The per-fan "first in range" pointer of FanHourlySubscription and FanHourlyActivity.
PREVIOUS_HOUR_HELP = "The fan's latest earlier hour in this table; empty when there is none."


class FanHourlySubscription(models.Model):
    """A fan paid a subscription in an hour (distinct subscribers need the fan, not a daily count).

    `previous_hour` links each fan's rows in time order. The distinct fans of a range of whole
    hours are then its rows whose previous hour lies before the range (each fan's first row in
    it): a count over one index range, not a DISTINCT over every row.
    """

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    subscriptions = models.IntegerField(default=0)
    previous_hour = models.DateTimeField(null=True, help_text=PREVIOUS_HOUR_HELP)

    class Meta:
        ordering = ["creator", "hour", "fan"]
        constraints = [
            models.UniqueConstraint(fields=["fan", "hour"], name="an_fan_hourly_sub_unique"),
        ]
        indexes = [
            # Covers the distinct count of a range: no table lookups.
            models.Index(fields=["creator", "hour", "previous_hour"], name="an_fan_sub_first"),
        ]

    def __str__(self):
        return f"fan {self.fan_id} {self.hour:%Y-%m-%d %H:00}: {self.subscriptions} subscriptions"


class FanHourlyActivity(models.Model):
    """How many messages one fan sent in one hour (for distinct active fans per week).

    `previous_hour` as in FanHourlySubscription.
    """

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    incoming = models.IntegerField(default=0)
    previous_hour = models.DateTimeField(null=True, help_text=PREVIOUS_HOUR_HELP)

    class Meta:
        ordering = ["creator", "hour", "fan"]
        verbose_name_plural = "fan hourly activity"
        constraints = [
            models.UniqueConstraint(fields=["fan", "hour"], name="an_fan_hourly_activity_unique"),
        ]
        indexes = [
            models.Index(fields=["creator", "hour", "previous_hour"], name="an_fan_activity_first"),
        ]

    def __str__(self):
        return f"fan {self.fan_id} {self.hour:%Y-%m-%d %H:00}: {self.incoming} in"


class FanMonthlyPaid(models.Model):
    """What one fan paid in one UTC month (`month` is its first instant), refunds not subtracted.

    It bounds the fan's revenue in any range within the month, so the top fans of a window are
    found among each month's best payers first (analytics.summary_queries.top_fans).
    """

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="+")
    month = models.DateTimeField()
    paid_cents = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["creator", "month", "-paid_cents", "-fan"]
        verbose_name_plural = "fan monthly paid"
        constraints = [
            models.UniqueConstraint(fields=["fan", "month"], name="an_fan_monthly_paid_unique"),
        ]
        indexes = [
            # A month's best payers, read from the top of the index.
            models.Index(fields=["creator", "month", "paid_cents", "fan"], name="an_fan_paid_rank"),
        ]

    def __str__(self):
        return f"fan {self.fan_id} {self.month:%Y-%m}: {self.paid_cents}¢ paid"
