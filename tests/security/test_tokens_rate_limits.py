"""API rate limits: per signed-in user and per anonymous client address, answered in the error shape."""

import pytest
from django.core.checks import Warning as CheckWarning

from tests.factories import make_token, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/min", "anon": "2/min"},
    }


def test_a_user_past_the_rate_gets_a_429_in_the_error_shape_and_others_do_not(api_client, lender, low_rates):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(lender)}")
    statuses = [api_client.get("/api/v1/me/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api_client.get("/api/v1/me/")
    body = refused.json()
    assert refused.status_code == 429 and body["code"] == "throttled" and body["message"]
    assert 0 < body["details"]["retry_after_seconds"] <= 60 and int(refused["Retry-After"]) > 0
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(make_user('lender_officer'))}")
    assert api_client.get("/api/v1/me/").status_code == 200


def test_a_second_token_of_the_same_user_shares_the_users_count(api_client, lender, low_rates):
    for token in [make_token(lender), make_token(lender), make_token(lender)]:
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api_client.get("/api/v1/me/").status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(lender)}")
    assert api_client.get("/api/v1/me/").status_code == 429


def test_a_session_user_is_throttled_too(client, lender, low_rates):
    client.force_login(lender)
    assert [client.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_an_anonymous_client_is_throttled_by_address_and_cannot_dodge_with_a_forwarded_header(
    client, low_rates
):
    statuses = [
        client.get("/api/schema/", REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert client.get("/api/schema/", REMOTE_ADDR="203.0.113.51").status_code == 200


def test_the_rates_and_classes_are_on_in_the_base_settings():
    from config.settings import base

    api = base.REST_FRAMEWORK
    assert api["DEFAULT_THROTTLE_CLASSES"] == [
        "core.throttles.UserRateThrottle",
        "core.throttles.AnonRateThrottle",
    ]
    assert set(api["DEFAULT_THROTTLE_RATES"]) == {"user", "anon"} and api["NUM_PROXIES"] == 0


def test_the_deploy_check_warns_when_the_cache_is_per_process(settings):
    from accounts.checks import shared_cache_check

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    [warning] = shared_cache_check(None)
    assert isinstance(warning, CheckWarning) and warning.id == "accounts.W001"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}
    }
    assert shared_cache_check(None) == []


@pytest.mark.redis
def test_the_throttle_counts_in_redis_across_processes(api_client, lender, low_rates, settings):
    """With the production cache (Redis) two web processes share one count: a second cache client sees it."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "throttle-test",
        }
    }
    caches["default"].clear()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(lender)}")
    assert [api_client.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    import redis

    keys = redis.Redis.from_url(settings.REDIS_URL).keys(f"throttle-test:*throttle_user_{lender.pk}")
    assert len(keys) == 1
    caches["default"].clear()
