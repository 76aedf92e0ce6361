from django.core.management.base import BaseCommand
from django.db import transaction

from core.discovery import app_modules


class Command(BaseCommand):
    help = "Create the demo organisations, users and data. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        for module in app_modules(
            "demo"
        ):  # in INSTALLED_APPS order: organisations before programs before cases
            with transaction.atomic():
                module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
