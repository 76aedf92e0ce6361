"""Every audit action a service writes is registered in ``audit.actions.Action``: refused at run time under the
test settings, and found by a scan of the source (so an action a test never reaches is checked too)."""

import ast
from pathlib import Path

import pytest

from audit.actions import FAMILIES, REGISTERED, Action, is_registered
from audit.labels import EVENT_LABELS
from audit.models import AuditEvent
from audit.services import audit_record, audit_record_system_many
from webhooks.events import ACTIONS as WEBHOOK_ACTIONS

ROOT = Path(__file__).resolve().parents[2]
SKIP = {"tests", "bench", "migrations", "node_modules", "static", "templates", "locale", "var", "docs"}
WRITERS = {"audit_record", "audit_record_system_many"}


def _sources():
    for path in sorted(ROOT.glob("*/**/*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0].startswith(".") or SKIP & set(parts) or parts == ("audit", "services.py"):
            continue
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


def _name(call):
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _keyword(call, name):
    return next((k.value for k in call.keywords if k.arg == name), None)


def _strings(node):
    """The names an action expression can take: a literal, either side of ``a if x else b``, an ``Action`` member;
    None when it is built some other way."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Action":
        return [Action[node.attr].value] if node.attr in Action.__members__ else [f"Action.{node.attr}"]
    if isinstance(node, ast.IfExp):
        body, orelse = _strings(node.body), _strings(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def _written(path, tree, found, problems):
    """(name, where) of the literal actions of ``audit_record`` calls and of the event dicts of the system writer;
    an f-string must start with a declared family; anything else is a problem."""
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n) in WRITERS):
        action = _keyword(call, "action")
        where = f"{path}:{call.lineno}"
        if action is None and _name(call) == "audit_record_system_many":
            continue
        if isinstance(action, ast.JoinedStr):
            head = action.values[0]
            prefix = head.value if isinstance(head, ast.Constant) else ""
            if prefix not in FAMILIES:
                problems.append(f"{where}: f-string action outside a declared family ({prefix!r})")
            continue
        names = _strings(action) if action is not None else None
        if names is None and _forwarded(tree, call, action):
            continue  # a recorder handed to core.transitions: its names are the tables' (see _table_actions)
        if names is None:
            problems.append(
                f"{where}: action built at run time ({ast.unparse(action) if action else 'none'})"
            )
        found += [(name, where) for name in names or []]
    for node in (n for n in ast.walk(tree) if isinstance(n, ast.Dict)):
        keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
        if {"action", "target", "case"} <= set(keys):
            names = _strings(node.values[keys.index("action")])
            found += [(name, f"{path}:{node.lineno}") for name in names or []]


def _forwarded(tree, call, action):
    """Whether ``action`` is a parameter of the private function that makes this call (a recorder that only passes
    on the name a transition table or its caller chose)."""
    if not isinstance(action, ast.Name):
        return False
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("_")):
        params = [a.arg for a in fn.args.args + fn.args.kwonlyargs]
        if action.id in params and any(c is call for c in ast.walk(fn)):
            return True
    return False


def _table_actions(path, tree, found, problems):
    """The audit names of transition tables (``Move(..., audit="...")``) and of ``audit=`` given to a move."""
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        node = _keyword(call, "audit")
        if node is None and _name(call) == "Move" and len(call.args) > 5:
            node = call.args[5]
        if node is None or (isinstance(node, ast.Constant) and node.value == ""):
            continue
        where = f"{path}:{call.lineno}"
        if isinstance(node, ast.JoinedStr):
            head = node.values[0]
            if not (isinstance(head, ast.Constant) and head.value in FAMILIES):
                problems.append(f"{where}: f-string audit name outside a declared family")
            continue
        names = _strings(node)
        if names is None:
            if not (isinstance(node, ast.Name) and _forwarded(tree, call, node)):
                problems.append(f"{where}: audit name built at run time ({ast.unparse(node)})")
            continue
        found += [(name, where) for name in names if name]


def _through_wrappers(trees, found):
    """Helpers that write ``f"<family>{param}"`` (``_event(facility, actor, "disbursed")``): the literal each call
    passes, joined to the family. Private helpers are resolved within their module."""
    wrappers = {}
    for path, tree in trees:
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            params = [a.arg for a in fn.args.args + fn.args.kwonlyargs]
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call) and _name(n) in WRITERS):
                action = _keyword(call, "action")
                if not isinstance(action, ast.JoinedStr) or len(action.values) != 2:
                    continue
                head, tail = action.values
                if isinstance(tail, ast.FormattedValue) and getattr(tail.value, "id", None) in params:
                    scope = path if fn.name.startswith("_") else None
                    wrappers[(scope, fn.name)] = (head.value, tail.value.id, params.index(tail.value.id))
    for path, tree in trees:
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = _name(call) or ""
            key = (path if name.startswith("_") else None, name)
            if key not in wrappers:
                continue
            prefix, param, position = wrappers[key]
            arg = _keyword(call, param) or (call.args[position] if len(call.args) > position else None)
            for suffix in (_strings(arg) if arg is not None else None) or []:
                found.append(
                    (suffix if suffix.startswith(prefix) else prefix + suffix, f"{path}:{call.lineno}")
                )


def test_every_action_in_the_source_is_registered():
    trees = list(_sources())
    found, problems = [], []
    for path, tree in trees:
        _written(path, tree, found, problems)
        _table_actions(path, tree, found, problems)
    _through_wrappers(trees, found)
    unregistered = sorted(f"{where}: {name}" for name, where in found if not is_registered(name))
    assert len(found) > 60  # the scan sees the services' actions
    assert unregistered == [] and problems == []


def test_every_move_of_a_transition_table_records_a_registered_action():
    """The lifecycles' tables (core.transitions.Table) name the audit action of each move."""
    from importlib import import_module

    from core.transitions import Table

    tables = {}
    for path, tree in _sources():
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and _name(node.value) == "Table"
            ):
                module = import_module(path.removesuffix(".py").replace("/", "."))
                for target in node.targets:
                    tables[f"{path}:{target.id}"] = getattr(module, target.id)
    assert tables and all(isinstance(table, Table) for table in tables.values())
    named = {(where, move.audit) for where, table in tables.items() for move in table if move.audit}
    assert len(named) >= 10
    assert sorted(f"{where}: {name}" for where, name in named if not is_registered(name)) == []


def test_what_the_timeline_and_webhooks_map_is_registered():
    assert sorted(set(EVENT_LABELS) - REGISTERED) == []
    assert sorted(set(WEBHOOK_ACTIONS) - REGISTERED) == []


def test_a_member_is_named_after_its_value():
    assert [m.name for m in Action if m.name != m.value.upper().replace(".", "_")] == []


@pytest.mark.django_db
def test_an_unregistered_action_is_refused_and_nothing_is_written(officer, company):
    with pytest.raises(ValueError, match="company.checked"):
        audit_record(actor=officer, action="company.checked", target=company)
    with pytest.raises(ValueError, match="facility.teleported"):
        audit_record_system_many(
            events=[{"action": "facility.teleported", "target": company, "case": company}]
        )
    assert AuditEvent.objects.count() == 0
    event = audit_record(actor=officer, action=Action.COMPANY_UPDATED, target=company)
    event.refresh_from_db()
    assert event.action == "company.updated"


@pytest.mark.django_db
def test_outside_the_tests_an_unregistered_action_is_still_written(officer, company, settings):
    settings.AUDIT_REFUSE_UNREGISTERED_ACTIONS = False
    event = audit_record(actor=officer, action="company.checked", target=company)
    assert AuditEvent.objects.get(pk=event.pk).action == "company.checked"
