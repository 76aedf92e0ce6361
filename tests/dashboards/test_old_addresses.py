"""The dashboards moved to an app of their own; the addresses officials bookmarked still lead to them."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "/programs/dashboard/?scope=all&start=2026-01-01",
            "/dashboards/programs/?scope=all&start=2026-01-01",
        ),
        ("/facilities/portfolio/", "/dashboards/portfolio/"),
    ],
)
def test_an_old_bookmark_redirects_to_the_dashboard_with_its_query(client, old, new):
    response = client.get(old)
    assert (response.status_code, response["Location"]) == (302, new)
