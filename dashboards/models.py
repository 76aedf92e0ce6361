"""The dashboards' read model: the program dashboard's facts per program, day, measure and key, refreshed by beat
(``dashboards.refresh_facts``) from the cases; the pages show the time of the refresh they read."""

from django.db import models

SUMS = {"max_digits": 28, "decimal_places": 2, "null": True, "blank": True}


class DashboardFact(models.Model):
    """One group of one measure (``dashboards.facts.MEASURES``): the count ``n`` and sums ``a``, ``b`` of the cases of
    ``program`` whose day is ``day`` and whose figures share ``key`` (a JSON list)."""

    measure = models.CharField(max_length=20)
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    key = models.CharField(max_length=200)
    n = models.BigIntegerField()
    a = models.DecimalField(**SUMS)
    b = models.DecimalField(**SUMS)

    class Meta:
        indexes = [models.Index(fields=["program", "day"], name="dashboard_fact_program_day")]

    def __str__(self):
        return f"{self.measure} {self.program_id} {self.day} {self.key}: {self.n}"


class CompanyFacts(models.Model):
    """``n`` financed cases of ``program`` whose day is ``day``, by whether their company has a low credit grade and by
    the day of the same company's previous financed case (None: none before) among the cases of the same program, of
    the programs of the same agency, of the same country, and of every program.

    A period counts each company financed in it once, at its first financed case of the period: the rows of the
    period whose previous day falls before it (a sum, not a distinct count). The previous day is kept per kind of
    scope, because which case comes first depends on the programs read."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    low = models.BooleanField()
    previous = models.DateField(null=True)
    previous_in_program = models.DateField(null=True)
    previous_in_agency = models.DateField(null=True)
    previous_in_country = models.DateField(null=True)
    n = models.BigIntegerField()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.program_id} {self.day} previous {self.previous}: {self.n}"


class CompanyFact(CompanyFacts):
    """Financed cases with the exact day of their company's previous one: read only for the previous days that fall
    in the period's first month before its start (by the indexes on each previous day)."""

    class Meta:
        indexes = [
            models.Index(fields=["program", "day"], name="company_fact_program_day"),
            models.Index(fields=["previous", "day"], name="company_fact_previous"),
            models.Index(fields=["previous_in_program", "day"], name="company_fact_prev_program"),
            models.Index(fields=["previous_in_agency", "day"], name="company_fact_prev_agency"),
            models.Index(fields=["previous_in_country", "day"], name="company_fact_prev_country"),
        ]


class CompanyMonthFact(CompanyFacts):
    """The same cases with the month of their company's previous financed case (its first day) for its day: what
    counts the cases whose previous one is in a month before the period's first, in rows bounded by days × months."""

    class Meta:
        indexes = [models.Index(fields=["program", "day"], name="company_month_fact_program_day")]


class DashboardRefresh(models.Model):
    """The refresh the facts come from: when, how many rows, and the currency and time zone its days were cut in."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    rows = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    time_zone = models.CharField(max_length=64)
    # dashboards.facts.FACTS_VERSION of the code that wrote the rows: a deploy that changes the facts' keys reads
    # the cases live until beat has refreshed them
    version = models.PositiveSmallIntegerField(default=1)

    def __str__(self):
        return f"facts of {self.finished_at:%Y-%m-%d %H:%M} ({self.rows} rows)"


class PortfolioFact(models.Model):
    """One group of one portfolio measure (``dashboards.portfolio_facts.MEASURES``) of the facilities of ``lender`` in
    ``program``: their count ``n`` and sums ``a``, ``b`` for ``key`` (a JSON list)."""

    measure = models.CharField(max_length=20)
    lender = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    n = models.BigIntegerField()
    a = models.DecimalField(**SUMS)
    b = models.DecimalField(**SUMS)

    class Meta:
        indexes = [models.Index(fields=["lender", "program"], name="portfolio_fact_lender_program")]

    def __str__(self):
        return f"{self.measure} {self.lender_id}/{self.program_id} {self.key}: {self.n}"
