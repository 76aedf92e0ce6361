"""Deploy-time checks of what accounts relies on."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def shared_cache_check(app_configs, **kwargs):
    """API throttling counts requests in the cache: a per-process cache lets every worker count on its own."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "The cache is per process: API rate limits are counted separately by each worker.",
                hint="Set REDIS_URL so that the cache (and the throttles' counters) is shared.",
                id="accounts.W001",
            )
        ]
    return []
