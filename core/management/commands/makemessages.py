"""``makemessages`` that also collects ``_lazy("…")``: modules import ``gettext_lazy as _lazy`` beside ``gettext as _``,
and xgettext knows only the standard names, so those texts were never in the catalogue (shown in English)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
