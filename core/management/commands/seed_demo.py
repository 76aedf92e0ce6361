from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from config.urls import APPS


class Command(BaseCommand):
    help = "Create the demo organisations, users and data. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        for app in APPS:
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            with transaction.atomic():
                module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
