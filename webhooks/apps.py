from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        # The audit log is the source of events: every recorded audit event is offered to the webhooks once its
        # transaction commits (audit stays below every app and never imports this one).
        from audit.services import audit_recorded, audit_recorded_many

        from .services import events_from_audit_many_signal, events_from_audit_signal

        audit_recorded.connect(events_from_audit_signal, dispatch_uid="webhooks.events_from_audit")
        audit_recorded_many.connect(
            events_from_audit_many_signal, dispatch_uid="webhooks.events_from_audit_many"
        )
