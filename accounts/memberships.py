"""A user's active memberships with their organisations, read on every signed-in request (the roles, the MFA rule,
the menu, every scope check). One query of two tables, as the ORM would write it with ``select_related``, but
without the ORM compiling it anew for every page: its SQL and the columns' converters are built once per database
connection vendor. Rows become model instances through ``from_db``, as the ORM's own rows do; the answer is the
ORM's (tests/accounts/test_memberships.py compares the two)."""

from functools import cache

from django.db import connections


@cache
def _plan(vendor, alias):
    from .models import Membership, Organization

    connection = connections[alias]
    quote = connection.ops.quote_name
    tables = ((Membership, "m"), (Organization, "o"))
    columns = [(model, field, alias_) for model, alias_ in tables for field in model._meta.concrete_fields]
    sql = "SELECT {} FROM {} m INNER JOIN {} o ON o.{} = m.{} WHERE m.{} = %s AND o.{} = %s ORDER BY m.{}".format(
        ", ".join(f"{table}.{quote(field.column)}" for _model, field, table in columns),
        quote(Membership._meta.db_table),
        quote(Organization._meta.db_table),
        quote(Organization._meta.pk.column),
        quote(Membership._meta.get_field("organization").column),
        quote(Membership._meta.get_field("user").column),
        quote(Organization._meta.get_field("is_active").column),
        quote(Membership._meta.pk.column),
    )
    converters = []
    for model, field, _table in columns:
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        converters.append((column, found))
    split = len(Membership._meta.concrete_fields)
    names = [field.attname for _model, field, _table in columns]
    return sql, converters, split, names[:split], names[split:]


def active_memberships_of(user_id, using="default"):
    """The memberships of ``user_id`` in active organisations, each with its organisation, in the order made."""
    from .models import Membership, Organization

    connection = connections[using]
    sql, converters, split, membership_names, organization_names = _plan(connection.vendor, using)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, True])
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = []
        for value, (column, functions) in zip(row, converters, strict=True):
            for function in functions:
                value = function(value, column, connection)
            values.append(value)
        membership = Membership.from_db(using, membership_names, values[:split])
        organization = Organization.from_db(using, organization_names, values[split:])
        Membership.organization.field.set_cached_value(membership, organization)
        found.append(membership)
    return found
