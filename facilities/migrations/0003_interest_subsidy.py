from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations, models

# Frozen copies (issue 15): a migration must not change when the live code does. These are the schedule and
# minor-unit rules of facilities.schedules and core.money as they stood when this migration was written.
_PLACES = {"KRW": 0, "JPY": 0, "CNY": 2, "GBP": 2, "USD": 2, "EUR": 2}


def _interest(*, kind, principal, annual_rate, months, currency):
    """The interest of the monthly schedule (annuity, equal_principal or bullet), each instalment rounded half-up."""
    q = Decimal(1).scaleb(-_PLACES.get(currency, 2))
    principal, rate = Decimal(principal), Decimal(annual_rate) / 12
    balance, total = principal, Decimal(0)
    if kind == "annuity":
        payment = principal / months if rate == 0 else principal * rate / (1 - (1 + rate) ** -months)
        payment = payment.quantize(q, rounding=ROUND_HALF_UP)
    for n in range(1, months + 1):
        interest = (balance * rate).quantize(q, rounding=ROUND_HALF_UP)
        if n == months:
            part = balance
        elif kind == "annuity":
            part = payment - interest
        elif kind == "equal_principal":
            part = (principal / months).quantize(q, rounding=ROUND_HALF_UP)
        elif kind == "bullet":
            part = Decimal(0)
        else:
            raise ValueError(f"unknown schedule {kind!r}")
        total += interest
        balance -= part
    return total


def _subsidy(facility):
    """What the lower rate costs over the schedule: interest at the base rate minus at the subsidised rate."""
    kwargs = dict(
        kind=facility.schedule_type,
        principal=facility.principal,
        months=facility.term_months,
        currency=facility.currency,
    )
    return _interest(annual_rate=facility.base_rate, **kwargs) - _interest(
        annual_rate=facility.subsidised_rate, **kwargs
    )


def backfill(apps, schema_editor):
    """Facilities disbursed before the column existed get their cost computed from their terms, as at disbursement."""
    Facility = apps.get_model("facilities", "Facility")
    for facility in Facility.objects.filter(
        disbursed_on__isnull=False, interest_subsidy__isnull=True
    ).iterator():
        facility.interest_subsidy = _subsidy(facility)
        facility.save(update_fields=["interest_subsidy"])


class Migration(migrations.Migration):
    dependencies = [("facilities", "0002_dpd_schedule")]

    operations = [
        migrations.AddField(
            model_name="facility",
            name="interest_subsidy",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=20,
                null=True,
                help_text="What the subsidised rate costs over the schedule, fixed at disbursement.",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
