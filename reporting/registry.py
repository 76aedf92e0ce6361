"""Report kinds: each registers a builder ``(scope, period_start, period_end) -> (title, data)``, the scopes it is
produced for on a schedule, and who is told when a report is ready."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportKind:
    name: str
    builder: object  # (scope, period_start, period_end) -> (title, data)
    scopes: object  # () -> list of scope strings produced on schedule
    audience: object  # () -> users notified when a report is ready
    choices: object = (
        None  # (user) -> [(scope, label)] the user may read; None: every scope, named by its code
    )
    on_generated: object = (
        None  # (report) -> None: run in the transaction that stores a new report (early warnings)
    )

    def scope_choices(self, user):
        if self.choices is None:
            return [(scope, scope) for scope in self.scopes()]
        return list(self.choices(user))


KINDS = {}


def register(name, *, scopes, audience, choices=None, on_generated=None):
    def decorator(builder):
        KINDS[name] = ReportKind(name, builder, scopes, audience, choices, on_generated)
        return builder

    return decorator


def get(name):
    from core.discovery import app_modules

    app_modules("reports")  # builders live in each app's reports module and register on import
    if name not in KINDS:
        raise KeyError(f"unknown report kind {name!r}")
    return KINDS[name]
