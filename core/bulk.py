"""Set-based writes for the nightly jobs: many rows in one statement, whatever their number.

``rows_update`` changes each row only if it still holds what the job read (``UPDATE … WHERE pk = … AND column =
expected … RETURNING pk``), so a row changed meanwhile is left alone and the caller acts only on the rows returned.
``rows_insert`` appends many rows and returns their primary keys. Both send their rows as one JSON parameter (``jsonb_array_elements`` on PostgreSQL, ``json_each`` on SQLite), so a statement never grows in
parameters and the count of statements never grows with the rows.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from django.db import connections

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.db.models import Field, Model


def _plain(connection, value):
    """A value as JSON holds it exactly: decimals and dates as their text (the database reads them back by type;
    a time as the backend writes it: SQLite keeps text)."""
    if isinstance(value, datetime):
        text = connection.ops.adapt_datetimefield_value(value)
        return text if isinstance(text, str) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not sent by core.bulk")


def _source(connection, fields: Sequence[Field], rows: Sequence[Sequence]) -> tuple[str, list]:
    """A row source ``v(c0, c1, …)`` holding ``rows`` (one value per field, in order) as one JSON parameter: the
    rows cost one string to send, not one quoted literal per value. Values are the fields' Python values (ids for
    foreign keys, dicts for JSON)."""
    document = json.dumps(rows, default=partial(_plain, connection), separators=(",", ":"))
    if connection.vendor == "postgresql":
        columns = ", ".join(
            f"(e->{i})::jsonb AS c{i}"
            if field.get_internal_type() == "JSONField"
            else f"(e->>{i})::{field.db_type(connection).split('(')[0]} AS c{i}"  # no length: nothing truncated
            for i, field in enumerate(fields)
        )
        return f"(SELECT {columns} FROM jsonb_array_elements(%s::jsonb) AS e) AS v", [document]
    columns = ", ".join(f"json_extract(value, '$[{i}]') AS c{i}" for i in range(len(fields)))
    return f"(SELECT {columns} FROM json_each(%s)) AS v", [document]


def _fields(model: type[Model], names: Sequence[str]) -> list[Field]:
    return [model._meta.get_field(name) for name in names]


def rows_update(
    *,
    model: type[Model],
    match: Sequence[str],
    fields: Sequence[str],
    rows: Sequence[Sequence],
    using="default",
) -> set:
    """UPDATE ``fields`` of many rows in one statement, each row only where its columns ``match`` still hold the
    values given. ``rows``: ``(pk, *match values, *field values)``. Returns the primary keys actually updated."""
    if not rows:
        return set()
    connection = connections[using]
    quote, meta = connection.ops.quote_name, model._meta
    keys = [meta.pk, *_fields(model, match)]
    changed = _fields(model, fields)
    source, params = _source(connection, keys + changed, rows)
    table = quote(meta.db_table)
    assignments = ", ".join(f"{quote(f.column)} = v.c{len(keys) + i}" for i, f in enumerate(changed))
    conditions = " AND ".join(f"{table}.{quote(f.column)} = v.c{i}" for i, f in enumerate(keys))
    sql = f"UPDATE {table} SET {assignments} FROM {source} WHERE {conditions} RETURNING {table}.{quote(meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def rows_insert(
    *, model: type[Model], fields: Sequence[str], rows: Sequence[Sequence], using="default"
) -> list:
    """INSERT many rows of ``fields`` in one statement (no defaults filled in: give every column); returns the
    primary keys of the new rows."""
    if not rows:
        return []
    connection = connections[using]
    quote, meta = connection.ops.quote_name, model._meta
    columns = _fields(model, fields)
    source, params = _source(connection, columns, rows)
    names = ", ".join(quote(f.column) for f in columns)
    values = ", ".join(f"v.c{i}" for i in range(len(columns)))
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT {values} FROM {source} RETURNING {quote(meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
