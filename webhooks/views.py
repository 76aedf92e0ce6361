"""Screens for an organisation's integrators: its endpoints, their secrets and their delivery log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.web import form_error_from, role_required

from . import services
from .forms import EndpointEditForm, EndpointForm
from .roles import MANAGER_ROLES
from .selectors import delivery_get_for, endpoint_get_for, endpoints_visible_to


@role_required(*MANAGER_ROLES)
def endpoint_list(request):
    """The organisation's endpoints and the form to register one. The new secret is shown once, on this answer."""
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error_from(form, exc)
        else:
            return _detail(request, endpoint, secret=endpoint.secret)
    endpoints = endpoints_visible_to(user=request.user).order_by("pk")
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints, "form": form})


def _detail(request, endpoint, *, form=None, secret=None):
    form = form or EndpointEditForm(
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": endpoint.event_types,
            "active": endpoint.active,
        }
    )
    deliveries = endpoint.deliveries.select_related("event").order_by("-pk")
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    context = {"endpoint": endpoint, "form": form, "page": page, "secret": secret}
    return render(request, "webhooks/endpoint_detail.html", context)


@role_required(*MANAGER_ROLES)
def endpoint_detail(request, pk):
    endpoint = endpoint_get_for(user=request.user, pk=pk)
    form = EndpointEditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error_from(form, exc)
        else:
            messages.success(request, _("The endpoint is saved."))
            return redirect("webhooks:detail", pk=endpoint.pk)
    return _detail(request, endpoint, form=form if request.method == "POST" else None)


@role_required(*MANAGER_ROLES)
@require_POST
def endpoint_rotate_secret(request, pk):
    endpoint = services.endpoint_rotate_secret(
        endpoint=endpoint_get_for(user=request.user, pk=pk), actor=request.user
    )
    messages.warning(request, _("A new secret was made; the old one no longer signs deliveries."))
    return _detail(request, endpoint, secret=endpoint.secret)


@role_required(*MANAGER_ROLES)
@require_POST
def delivery_replay(request, pk):
    delivery = delivery_get_for(user=request.user, pk=pk)
    try:
        services.delivery_replay(delivery=delivery, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The event is being sent again."))
    return redirect("webhooks:detail", pk=delivery.endpoint_id)
