"""Screens of the early-warning follow-ups (funds.early_warning): the list and one follow-up with its actions."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError, PermissionRefused
from core.web import form_error_from, role_required
from reporting import labels

from . import early_warning
from .forms import FollowUpNoteForm, FollowUpPlanForm
from .models import FollowUpStatus
from .selectors import follow_up_get_for, follow_ups_visible_to
from .views import READERS


def _flag_text(follow_up):
    return labels.text({"code": f"flag.{follow_up.flag}", "params": follow_up.params})


@role_required(*READERS)
def follow_up_list(request):
    today, show_all = timezone.localdate(), request.GET.get("show") == "all"
    follow_ups = follow_ups_visible_to(user=request.user)
    if not show_all:
        follow_ups = follow_ups.exclude(status=FollowUpStatus.RESOLVED)
    rows = [(f, _flag_text(f), f.overdue_on(today)) for f in follow_ups[:500]]
    rows.sort(key=lambda row: (not row[2], row[0].status == FollowUpStatus.RESOLVED))  # overdue first
    return render(request, "funds/follow_up_list.html", {"rows": rows, "show_all": show_all})


def _page(request, follow_up, *, plan_form=None, note_form=None, status=200):
    user = request.user
    context = {
        "follow_up": follow_up,
        "flag_text": _flag_text(follow_up),
        "overdue": follow_up.overdue_on(timezone.localdate()),
        "may_manage": early_warning.may_manage(user=user, follow_up=follow_up),
        "may_oversee": early_warning.may_oversee(user=user, follow_up=follow_up),
        "plan_form": plan_form
        or FollowUpPlanForm(initial={"plan": follow_up.plan, "due": follow_up.plan_due}),
        "note_form": note_form or FollowUpNoteForm(),
    }
    return render(request, "funds/follow_up_detail.html", context, status=status)


@role_required(*READERS)
def follow_up_detail(request, pk):
    return _page(request, follow_up_get_for(user=request.user, pk=pk))


def _acknowledge(request, follow_up):
    early_warning.follow_up_acknowledge(follow_up=follow_up, actor=request.user)


def _plan(request, follow_up):
    form = FollowUpPlanForm(request.POST)
    if not form.is_valid():
        return form
    early_warning.follow_up_plan(follow_up=follow_up, actor=request.user, **form.cleaned_data)


def _close(service):
    def act(request, follow_up):
        form = FollowUpNoteForm(request.POST)
        if not form.is_valid():
            return form
        service(follow_up=follow_up, actor=request.user, note=form.cleaned_data["note"])

    return act


ACTIONS = {
    "acknowledge": _acknowledge,
    "plan": _plan,
    "resolve": _close(early_warning.follow_up_resolve),
    "escalate": _close(early_warning.follow_up_escalate),
}


@role_required(*READERS)
@require_POST
def follow_up_action(request, pk, action):
    follow_up = follow_up_get_for(user=request.user, pk=pk)
    if action not in ACTIONS:
        return redirect("funds:follow_up", pk=pk)
    try:
        invalid = ACTIONS[action](request, follow_up)
    except PermissionRefused as exc:
        messages.error(request, exc.message)
        return redirect("funds:follow_up", pk=pk)
    except DomainError as exc:
        invalid = _form_with(action, request, exc)
    if invalid is not None:  # the form keeps what was typed and says what is wrong
        name = "plan_form" if action == "plan" else "note_form"
        return _page(request, follow_up, status=400, **{name: invalid})
    messages.success(request, _("Recorded."))
    return redirect("funds:follow_up", pk=pk)


def _form_with(action, request, exc):
    form = (FollowUpPlanForm if action == "plan" else FollowUpNoteForm)(request.POST)
    form.is_valid()
    form_error_from(form, exc)
    return form
