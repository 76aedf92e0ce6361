from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from audit.services import audit_record


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
