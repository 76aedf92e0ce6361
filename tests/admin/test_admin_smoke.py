"""Every registered model admin opens: its list, a search, the add page, the change page of a stored row, and an
empty add form posted back answers with the form's errors. A 500 anywhere here is a screen an administrator cannot
use (the Jinja2 form renderer once made every add and change page a 500)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.roles import Role
from tests.admin.builders import row_of
from tests.factories import make_user

ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
IDS = [model._meta.label for model, _ in ADMINS]


@pytest.fixture
def superuser(db):
    return make_user(Role.ADMINISTRATOR, email="root@agency.example", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _url(model, page, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=IDS)
def test_the_list_and_a_search_open(admin_client, model, model_admin):
    row_of(model)
    response = admin_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    if model_admin.search_fields:
        response = admin_client.get(_url(model, "changelist"), {"q": "no such thing 7a1"})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=IDS)
def test_the_change_page_of_a_stored_row_opens(admin_client, model, model_admin):
    row = row_of(model)
    response = admin_client.get(_url(model, "change", row.pk))
    assert response.status_code == 200
    assert response.context["original"].pk == row.pk


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=IDS)
def test_the_add_page_opens_and_an_empty_form_comes_back_with_errors(
    admin_client, superuser, rf, model, model_admin
):
    request = rf.get("/")
    request.user = superuser
    url = _url(model, "add")
    if not model_admin.has_add_permission(request):
        assert admin_client.get(url).status_code == 403
        return
    response = admin_client.get(url)
    assert response.status_code == 200
    before = model._default_manager.count()
    response = admin_client.post(url, {})
    assert response.status_code == 200, f"an empty add form answered {response.status_code}"
    assert response.context["errors"], "an empty add form was accepted"
    assert model._default_manager.count() == before
