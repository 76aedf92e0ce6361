from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.web import form_error_from

from .forms import InviteForm
from .invites import user_invite
from .mfa import session_passed_mfa
from .models import Membership, Organization
from .roles import Role
from .tokens import (
    api_token_create,
    api_token_create_for_organization,
    api_token_revoke,
    api_token_ttl,
    api_tokens_visible_to,
    organizations_for_tokens,
)


def _token_page(request, *, created=None, status=200):
    """The user's tokens and their organisations'; ``created`` is a (row, token) just made, shown this once."""
    return render(
        request,
        "accounts/api_token.html",
        {
            "tokens": api_tokens_visible_to(user=request.user),
            "organizations": organizations_for_tokens(request.user),
            "mfa_passed": session_passed_mfa(request, request.user),
            "created": created,
            "ttl_days": api_token_ttl().days,
        },
        status=status,
    )


def _refuse_without_mfa(request):
    """Tokens are made only by a session that passed the second factor: a stolen password alone makes none."""
    if session_passed_mfa(request, request.user):
        return None
    messages.error(request, _("Sign in with two-factor authentication to make API tokens."))
    return _token_page(request, status=403)


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    """List the user's API tokens; a POST makes a personal one (a bank's or fund manager's systems use them)."""
    if request.method == "GET":
        return _token_page(request)
    if (refused := _refuse_without_mfa(request)) is not None:
        return refused
    try:
        created = api_token_create(actor=request.user, name=request.POST.get("name", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return _token_page(request, status=400)
    return _token_page(request, created=created)


@login_required
@require_POST
def api_token_create_organization(request):
    """Make an organisation token for the bank's (fund manager's, valuer's) own systems."""
    if (refused := _refuse_without_mfa(request)) is not None:
        return refused
    organization = next(
        (o for o in organizations_for_tokens(request.user) if str(o.pk) == request.POST.get("organization")),
        None,
    )
    if organization is None:
        messages.error(request, _("Choose one of your organisations."))
        return _token_page(request, status=400)
    try:
        created = api_token_create_for_organization(
            actor=request.user, organization=organization, name=request.POST.get("name", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _token_page(request, status=400)
    return _token_page(request, created=created)


@login_required
@require_POST
def api_token_revoke_view(request):
    """Revoke one token (the user's own, or one of their organisation's)."""
    try:
        token = api_token_revoke(actor=request.user, digest=request.POST.get("token", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return _token_page(request, status=404)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:api_token")


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


def _invite(request, form):
    """Invite as the form says; True when sent, False with the refusal on the form."""
    try:
        membership = user_invite(actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        form_error_from(form, exc)
        return False
    messages.success(
        request,
        _("%(email)s is invited as %(role)s; the email with the sign-in link is on its way.")
        % {"email": membership.user.email, "role": membership.get_role_display()},
    )
    return True


def _member_rows(user):
    """The memberships of every organisation ``user`` administers (all of them for a superuser)."""
    organizations = (
        Organization.objects.all()
        if user.is_superuser
        else Organization.objects.filter(pk__in=[o.pk for o in user.organizations_for(Role.ADMINISTRATOR)])
    )
    return (
        Membership.objects.filter(organization__in=organizations)
        .select_related("user", "organization")
        .order_by("organization__name", "user__email")
    )


@login_required
@require_http_methods(["GET", "POST"])
def members(request):
    """The members of the organisations the user administers, and the form to invite someone with a role."""
    if not _may_invite(request.user):
        raise Http404
    form = InviteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid() and _invite(request, form):
        return redirect("accounts:members")
    page = Paginator(_member_rows(request.user), 100).get_page(request.GET.get("page"))
    return render(request, "accounts/members.html", {"form": form, "page": page})
