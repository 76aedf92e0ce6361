"""One transition mechanism: every stateful model declares its moves as a table; one helper carries them out.

A model module declares ``TRANSITIONS = Table([Move(source, action, target, roles, second_person, audit), ...])``:
from which state an action leads to which state, which roles may take it (``SYSTEM`` for the nightly jobs, which
act without a person) and whether a second person must confirm what a first one asked (four eyes). ``move()``
locks the row, checks the table, writes the new state with the caller's other fields, records the audit event
with the acting user and the old and new state, and queues the side effects on commit. The organisation check
(whose object it is) stays with the calling service, which knows the object's owners.

Set-based jobs (one UPDATE for many rows) read the table with ``Table.sources(action)`` / ``Table.target``.
The audit recorder is passed in by the calling app (``core`` sits below ``audit``); each app's recorder knows
the target and the case of its events.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from .bulk import rows_update
from .errors import IllegalTransition, PermissionRefused

SYSTEM = "system"  # the role of a nightly job: a move it may take without a person


@dataclass(frozen=True)
class Move:
    source: str
    action: str
    target: str
    roles: frozenset = field(default_factory=frozenset)
    second_person: bool = False
    audit: str = ""  # the audit action the move records ("" when the calling service records its own event)


class Table:
    """The moves of one lifecycle, looked up by (state, action)."""

    def __init__(self, name: str, moves: Iterable[Move]):
        self.name = name
        self.moves = {(m.source, m.action): m for m in moves}

    def get(self, source, action) -> Move | None:
        return self.moves.get((source, action))

    def __iter__(self):
        return iter(self.moves.values())

    def actions(self) -> set[str]:
        return {m.action for m in self}

    def sources(self, action: str) -> set[str]:
        """The states ``action`` may start from."""
        return {m.source for m in self if m.action == action}

    def target(self, source, action):
        move = self.get(source, action)
        return move.target if move else None

    def check(self, *, source, action, actor, maker=None) -> Move:
        """The move, or IllegalTransition (not from this state) / PermissionRefused (role, second person)."""
        move = self.get(source, action)
        if move is None:
            raise IllegalTransition(
                _("This is not possible in the current state (%(state)s).") % {"state": source},
                details={"status": str(source), "action": action},
            )
        _check_actor(move, actor)
        if move.second_person and (maker is None or actor is None or maker.pk == actor.pk):
            raise PermissionRefused(
                _("Four-eyes rule: you asked for this, someone else must confirm it."), code="four_eyes"
            )
        return move


def _check_actor(move, actor):
    if actor is None:
        if SYSTEM not in move.roles:
            raise PermissionRefused(_("A person must take this step."), code="role_refused")
        return
    people = move.roles - {SYSTEM}
    if not people or not actor.has_role(*people):
        raise PermissionRefused(_("Your role does not take this step."), code="role_refused")


@transaction.atomic
def move(
    *,
    obj,
    table: Table,
    action: str,
    actor,
    record: Callable | None = None,
    maker=None,
    state_field: str = "status",
    changes: dict | None = None,
    details: dict | None = None,
    audit: str = "",
    on_commit: Callable | None = None,
):
    """Move ``obj`` by ``action`` under ``table``: lock, check, write ``state_field`` and ``changes``, record, queue.

    ``record(obj=, actor=, action=, old_state=, new_state=, details=)`` writes the audit event (the move's
    ``audit`` name, or ``audit`` given here); ``on_commit`` runs once the transaction commits. Returns the locked,
    updated row. Raises IllegalTransition or PermissionRefused and then changes nothing."""
    locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    old = getattr(locked, state_field)
    step = table.check(source=old, action=action, actor=actor, maker=maker)
    for name, value in {state_field: step.target, **(changes or {})}.items():
        setattr(locked, name, value)
    locked.save(update_fields=[state_field, *(changes or {})])
    setattr(obj, state_field, step.target)
    name = audit or step.audit
    if name and record is not None:
        record(
            obj=locked, actor=actor, action=name, old_state=old, new_state=step.target, details=details or {}
        )
    if on_commit is not None:
        transaction.on_commit(on_commit)
    return locked


def move_many(
    *,
    model,
    table: Table,
    rows: Iterable[tuple],
    fields: tuple[str, ...] = (),
    actor=None,
    record_many: Callable | None = None,
    state_field: str = "status",
) -> list[tuple]:
    """Move many rows under ``table`` in one statement: the set-based ``move()`` of the nightly jobs.

    ``rows``: ``(pk, expected state, steps, *values of fields)``, ``steps`` the moves taken one after the other from
    the expected state, each ``(action, details)`` (a facility may turn delinquent and default the same night).
    Every step is checked against the table as ``move()`` checks it (IllegalTransition / PermissionRefused, and
    nothing changes); each row is written once, with its last state and ``fields``, and only if it is still in its
    expected state (``UPDATE … WHERE state = expected RETURNING``: a row changed meanwhile is left alone).
    ``record_many(moves=…)`` records the steps of the rows written, each ``(pk, old state, new state, audit name,
    details)``, and they are returned."""
    rows, checked = list(rows), {}
    paths = [_path(table, expected, steps, actor, checked) for _pk, expected, steps, *_values in rows]
    done = rows_update(
        model=model,
        match=(state_field,),
        fields=(state_field, *fields),
        rows=[
            (pk, old, path[-1][1], *values)
            for (pk, old, _steps, *values), path in zip(rows, paths, strict=True)
        ],
    )
    moves = [
        (row[0], *step) for row, path in zip(rows, paths, strict=True) if row[0] in done for step in path
    ]
    if moves and record_many is not None:
        record_many(moves=moves)
    return moves


def _path(table, state, steps, actor, checked):
    """``(old, new, audit name, details)`` of each step from ``state``, checked by the table (once per pair)."""
    path = []
    for action, details in steps:
        if (state, action) not in checked:
            move = table.check(source=state, action=action, actor=actor)
            checked[state, action] = (str(move.target), move.audit)  # plain text: thousands of lookups follow
        target, audit = checked[state, action]
        path.append((state, target, audit, details))
        state = target
    return path
