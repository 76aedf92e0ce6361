import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_TOTP_SECRET


def current_code(secret=DEMO_TOTP_SECRET, at=None):
    return format_hotp_value(hotp_value(secret, int(at or time.time()) // 30))


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo staff users (development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Only with DEBUG on: demo secrets have no place in production.")
        remaining = 30 - int(time.time()) % 30
        self.stdout.write(f"{current_code()}  (valid for {remaining} more seconds)")
