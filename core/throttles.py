"""The API's rate limits (REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]).

A module of its own: DRF's APIView reads the throttle classes when rest_framework.views is imported, so they must
not live in a module that imports rest_framework.views itself (core.api does).
"""

import time

from rest_framework import throttling
from rest_framework.settings import api_settings


class _LiveRateMixin:
    """DRF reads the rates once, when the class is made; these read them at each request (settings may change)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def timer(self):
        # DRF keeps ``time.time`` as a class attribute; a clock patched in tests (freezegun) would then be called
        # as a method. Calling it here reads whichever clock is current.
        return time.time()


class UserRateThrottle(_LiveRateMixin, throttling.UserRateThrottle):
    """Per signed-in user (session or token), ``DEFAULT_THROTTLE_RATES["user"]``."""


class AnonRateThrottle(_LiveRateMixin, throttling.AnonRateThrottle):
    """Per anonymous client address, ``DEFAULT_THROTTLE_RATES["anon"]``."""
