"""One stored row of any model, for opening its admin change page: the project's factories where they exist, else
every required field filled with a plausible value of its type (a foreign key gets a row built the same way)."""

import itertools
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone

from accounts.roles import Role
from tests.factories import (
    ApplicationFactory,
    CompanyFactory,
    IPAssetFactory,
    OrganizationFactory,
    ProgramFactory,
    make_user,
)

_counter = itertools.count(1)


def _user():
    return make_user(Role.APPLICANT, email=f"row{next(_counter)}@example.org")


def _periodic_task():
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    return PeriodicTask.objects.create(name=f"task {next(_counter)}", task="core.tasks.ping", interval=every)


def _sub_fund():
    from funds import services
    from tests.funds.factories import mother_fund, sub_fund_fields

    return services.sub_fund_create(parent=mother_fund("1000"), actor=None, **sub_fund_fields("100"))


def _licence_event():
    from funds import services

    return services.licence_change(fund=_sub_fund(), actor=None, state="suspended", on=date(2024, 1, 1))


def _cash_flow():
    from funds import services

    return services.cash_flow_record(
        fund=_sub_fund(), actor=None, kind="call", date=date(2024, 1, 1), amount=Decimal("10")
    )


def _deal():
    from funds import services

    return services.deal_screen(
        fund=_sub_fund(), actor=None, name="A deal", considered_on=date(2024, 1, 1), amount=Decimal("5")
    )


# Models whose rows need more than their required fields (or are made by a service in real life).
SPECIFIC = {
    "accounts.User": _user,
    "accounts.Organization": lambda: OrganizationFactory(),
    "auth.Group": lambda: Group.objects.create(name=f"group {next(_counter)}"),
    "django_celery_beat.PeriodicTask": _periodic_task,
    "programs.Program": lambda: ProgramFactory(),
    "applications.Company": lambda: CompanyFactory(),
    "applications.IPAsset": lambda: IPAssetFactory(),
    "applications.Application": lambda: ApplicationFactory(),
    "funds.Fund": _sub_fund,
    "funds.LicenceEvent": _licence_event,
    "funds.CashFlow": _cash_flow,
    "funds.Deal": _deal,
}


def row_of(model):
    """A stored row of ``model``."""
    builder = SPECIFIC.get(model._meta.label)
    if builder is not None:
        return builder()
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key and field.has_default() is False and isinstance(field, models.AutoField):
            continue
        if field.primary_key and isinstance(field, models.AutoField):
            continue
        if field.has_default() or field.null or getattr(field, "auto_now", False):
            continue
        if getattr(field, "auto_now_add", False):
            continue
        values[field.attname if not field.is_relation else field.name] = _value_for(field)
    return model._default_manager.create(**values)


def _value_for(field):
    if field.is_relation:
        related = field.related_model
        existing = None if field.one_to_one else related._default_manager.first()
        return existing or row_of(related)
    if field.choices:
        return field.choices[0][0]
    n = next(_counter)
    if isinstance(field, models.EmailField):
        return f"row{n}@example.org"
    if isinstance(field, models.GenericIPAddressField):
        return "127.0.0.1"
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, (models.CharField, models.TextField)):
        return f"row {n}"[: field.max_length or 50]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, (models.IntegerField, models.FloatField)):
        return 1
    if isinstance(field, models.DecimalField):
        return Decimal(1)
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return date(2024, 1, 1)
    if isinstance(field, models.DurationField):
        return timedelta(days=1)
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BinaryField):
        return b""
    if isinstance(field, models.FileField):
        return f"rows/{n}.txt"
    raise NotImplementedError(
        f"{field.model._meta.label}.{field.name}: add a builder to tests/admin/builders.py"
    )
