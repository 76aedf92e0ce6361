from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from audit.services import audit_record
from core.errors import DomainError
from core.web import form_error_from

from .forms import InviteForm
from .invites import user_invite
from .models import Membership, Organization
from .roles import Role


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    """Show, create or rotate the user's API token (a bank's or fund manager's systems use it)."""
    token = Token.objects.filter(user=request.user).first()
    if request.method == "POST":
        if token:
            token.delete()
        token = Token.objects.create(user=request.user)
        audit_record(actor=request.user, action="api_token.rotated", target=request.user)
        messages.success(request, _("A new API token was created. The old one no longer works."))
        return redirect("accounts:api_token")
    return render(request, "accounts/api_token.html", {"token": token})


@login_required
def notification_list(request):
    """The user's notifications, newest first; opening the list marks them read."""
    from django.core.paginator import Paginator
    from django.utils import timezone

    items = request.user.notifications.all()
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    response = render(request, "accounts/notification_list.html", {"page": page})
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return response


def _may_invite(user):
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMINISTRATOR))


@login_required
@require_http_methods(["GET", "POST"])
def members(request):
    """The members of the organisations the user administers, and the form to invite someone with a role."""
    if not _may_invite(request.user):
        raise Http404
    form = InviteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            membership = user_invite(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error_from(form, exc)
        else:
            messages.success(
                request,
                _("%(email)s is invited as %(role)s; the email with the sign-in link is on its way.")
                % {"email": membership.user.email, "role": membership.get_role_display()},
            )
            return redirect("accounts:members")
    organizations = (
        Organization.objects.all()
        if request.user.is_superuser
        else Organization.objects.filter(
            pk__in=[o.pk for o in request.user.organizations_for(Role.ADMINISTRATOR)]
        )
    )
    rows = (
        Membership.objects.filter(organization__in=organizations)
        .select_related("user", "organization")
        .order_by("organization__name", "user__email")
    )
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/members.html", {"form": form, "page": page})
