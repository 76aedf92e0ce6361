from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.roles import AGENCY_ROLES, Role
from applications.models import Application, Company
from applications.selectors import application_get_for
from audit.selectors import case_timeline
from core.counts import COUNT_SECONDS, CachedCountPaginator, latest_change
from core.errors import DomainError
from core.panels import render_case_panels
from core.templatetags.ipfin_format import money
from core.web import form_error_from, role_required, safe_next_url
from valuations.selectors import valuation_flags_for

from . import services
from .answers import case_answer_info_with_documents
from .filters import CaseFilter
from .forms import (
    AnswerForm,
    AssignForm,
    ChecklistForm,
    ConflictForm,
    DecisionForm,
    InfoRequestForm,
    NoteForm,
    RecommendForm,
    ReturnForm,
    ScoresForm,
    WaiverForm,
)
from .models import CaseNote, InformationRequest, RubricCriterion, ScreeningChecklist
from .rules import RULE_LABELS
from .selectors import case_get_for, case_queue_for, queue_counts, status_tabs

STAFF = (Role.CASE_OFFICER, Role.APPROVER, Role.ADMINISTRATOR)


def _agency_ids(user):
    return [o.pk for o in user.organizations_for(*AGENCY_ROLES)]


# what a queue row shows: the page builds 50 rows of four joined tables, so it reads only these, as plain rows
# (casework/templatetags/queue_table.py turns them into HTML)
QUEUE_COLUMNS = [
    "id",
    "reference",
    "status",
    "requested_amount",
    "stage_due_at",
    "submitted_at",
    "program__code",
    "program__currency",
    "company__legal_name",
    "company__credit_grade",
    "assignee__email",
]


def _queue_filter(request, base):
    """The queue's filter over ``base``, ordered by due date unless asked otherwise."""
    data = request.GET.copy()
    if not data.get("ordering"):
        data["ordering"] = "due"
    return CaseFilter(data, queryset=base, user=request.user)


def _queue_page(request, cases, version):
    """The requested page of 50 rows, each with its valuation flags."""
    page = CachedCountPaginator(cases, 50, version=version).get_page(request.GET.get("page"))
    flags = valuation_flags_for([case["id"] for case in page.object_list])
    for case in page.object_list:
        case["flags"] = flags.get(case["id"], [])
    return page


def _queue_assign_form(case_filter, agency_ids):
    """The bulk-assign form; the filter's assignee list and its officers are the same people: read once for both."""
    assign_form = AssignForm(agency_ids=agency_ids)
    officers = list(iter(assign_form.fields["officer"].choices))  # iter: no COUNT query first
    assign_form.fields["officer"].widget.choices = case_filter.form.fields["assignee"].widget.choices = (
        officers
    )
    return assign_form


@role_required(*STAFF)
def queue(request):
    base = case_queue_for(user=request.user)
    case_filter = _queue_filter(request, base)
    cases = (case_filter.qs if case_filter.is_valid() else base.none()).values(*QUEUE_COLUMNS)
    query = request.GET.copy()
    query.pop("page", None)
    version = latest_change(Application)  # one lookup keys both cached counts
    agency_ids = _agency_ids(request.user)
    context = {
        "filter": case_filter,
        "page": _queue_page(request, cases, version),
        "counts": status_tabs(queue_counts(user=request.user, base=base, version=version)),
        "query": query.urlencode(),
        "assign_form": _queue_assign_form(case_filter, agency_ids),
        "now": timezone.now(),
        "agency_key": agency_ids,
        "filters_seconds": COUNT_SECONDS,
    }
    template = "casework/_partials/queue_results.html" if request.htmx else "casework/queue.html"
    return render(request, template, context)


@role_required(*STAFF)
@require_POST
def bulk_assign(request):
    form = AssignForm(request.POST, agency_ids=_agency_ids(request.user))
    ids = [int(i) for i in request.POST.getlist("cases") if i.isdigit()]
    cases = list(case_queue_for(user=request.user).filter(pk__in=ids))
    if not cases:
        messages.error(request, _("Select at least one case."))
    elif form.is_valid() and form.cleaned_data["officer"]:
        assigned, refused = services.case_assign_bulk(
            applications=cases, officer=form.cleaned_data["officer"], actor=request.user
        )
        if assigned:
            messages.success(request, _("%(n)s cases assigned.") % {"n": len(assigned)})
        for case, reason in refused:
            messages.error(request, f"{case.reference}: {reason}")
    else:
        _assign_automatically(request, cases)
    return redirect(safe_next_url(request, reverse("casework:queue")))


def _assign_automatically(request, cases):
    """Each case to the officer the rules pick; a case the rules cannot place says why."""
    for case in cases:
        try:
            services.case_assign_automatically(application=case, actor=request.user)
        except DomainError as exc:
            messages.error(request, f"{case.reference}: {exc.message}")
    messages.info(request, _("Cases assigned automatically where possible."))


def _case_context(request, case, forms=None):
    criteria = list(RubricCriterion.objects.filter(program=case.program))
    scored = list(case.credit_scores.select_related("criterion"))
    scores = {s.criterion_id: s for s in scored}
    checklist = ScreeningChecklist.objects.filter(application=case).first()
    return {
        **_case_record(case),
        **_case_review(case, scored),
        "checklist": checklist,
        "criteria": criteria,
        "scores": scores,
        "panels": render_case_panels(request, case),
        "forms": {**_case_forms(request, checklist, criteria, scores), **(forms or {})},
    }


def _case_record(case):
    """What the case holds and what happened to it."""
    return {
        "case": case,
        "application": case,
        "assets": case.ip_assets.all(),
        "documents": case.documents.all(),
        "info_requests": case.info_requests.select_related("requested_by", "answered_by"),
        "notes": case.notes.select_related("author"),
        "recommendation": case.recommendations.select_related("recommended_by").first(),
        "decision": case.decisions.select_related("decided_by").first(),
        "events": case_timeline(case=case),
        "actions": case.allowed_actions(),
    }


def _case_review(case, scored):
    """The credit review's figures: weighted score, proposal, the eligibility rules now, the valuation gate."""
    proposal, eligibility_now, credit_problem = _credit_view(case)
    return {
        "weighted_score": services.case_weighted_score(application=case, scores=scored),
        "proposal": proposal,
        "eligibility_now": eligibility_now,
        "credit_problem": credit_problem,
        "valuation_gate": services.valuation_gate(application=case) if case.status == "valuation" else None,
        "waiver": getattr(case, "valuation_waiver", None) if hasattr(case, "valuation_waiver") else None,
        "rule_labels": RULE_LABELS,
    }


def _case_forms(request, checklist, criteria, scores):
    """The empty forms of the case page's actions."""
    initial = {n: getattr(checklist, n) for n, _l in ScreeningChecklist.ITEMS} if checklist else None
    return {
        "assign": AssignForm(agency_ids=_agency_ids(request.user)),
        "checklist": ChecklistForm(initial=initial),
        "request_info": InfoRequestForm(),
        "note": NoteForm(),
        "scores": ScoresForm(criteria=criteria, scores=scores),
        "recommend": RecommendForm(),
        "decide": DecisionForm(),
        "return_for_rework": ReturnForm(),
        "waive_valuation": WaiverForm(),
    }


def _credit_view(case):
    """The proposal and every eligibility rule with today's facts, for the credit review and the decision; a fact
    that cannot be read (no exchange rate) is shown as the problem instead of an error page."""
    if not case.requested_amount:
        return None, None, None
    try:
        exposure = services.case_exposure_elsewhere(application=case)
        proposal = services.case_proposed_amount(application=case, exposure=exposure)
        rules = None
        if case.status in ("credit_review", "recommended"):
            rules = services.case_eligibility(application=case, exposure=exposure)
        return proposal, rules, None
    except DomainError as exc:
        return None, None, exc.message


@role_required(*STAFF)
def case_detail(request, pk):
    case = case_get_for(user=request.user, pk=pk)
    return render(request, "casework/case_detail.html", _case_context(request, case))


def _run(request, case, name, form, call):
    """Validate ``form``, run ``call(cleaned_data)``; True when done, False when refused (a message says why),
    or a response re-rendering the case with the form as typed."""
    if form is None or form.is_valid():
        try:
            call(form.cleaned_data if form is not None else {})
            return True
        except DomainError as exc:
            if form is None:
                messages.error(request, exc.message)
                return False
            form_error_from(form, exc)
    messages.error(request, _("The action was not carried out; see the form below."))
    return render(
        request, "casework/case_detail.html", _case_context(request, case, {name: form}), status=400
    )


ACTIONS = {
    "assign": (
        lambda r, c: AssignForm(r.POST, agency_ids=_agency_ids(r.user)),
        lambda r, c, d: (
            services.case_assign(application=c, officer=d["officer"], actor=r.user)
            if d["officer"]
            else services.case_assign_automatically(application=c, actor=r.user)
        ),
    ),
    "start_screening": (None, lambda r, c, d: services.case_start_screening(application=c, actor=r.user)),
    "checklist": (
        lambda r, c: ChecklistForm(r.POST),
        lambda r, c, d: services.checklist_update(application=c, actor=r.user, **d),
    ),
    "request_info": (
        lambda r, c: InfoRequestForm(r.POST),
        lambda r, c, d: services.case_request_info(application=c, actor=r.user, **d),
    ),
    "note": (
        lambda r, c: NoteForm(r.POST),
        lambda r, c, d: services.case_note_add(application=c, actor=r.user, **d),
    ),
    "send_to_valuation": (None, lambda r, c, d: services.case_send_to_valuation(application=c, actor=r.user)),
    "start_credit_review": (
        None,
        lambda r, c, d: services.case_start_credit_review(application=c, actor=r.user),
    ),
    "waive_valuation": (
        lambda r, c: WaiverForm(r.POST),
        lambda r, c, d: services.case_waive_valuation(application=c, actor=r.user, **d),
    ),
    "scores": (
        lambda r, c: ScoresForm(r.POST, criteria=RubricCriterion.objects.filter(program=c.program)),
        None,
    ),
    "recommend": (
        lambda r, c: RecommendForm(r.POST),
        lambda r, c, d: services.case_recommend(application=c, actor=r.user, **d),
    ),
    "decide": (
        lambda r, c: DecisionForm(r.POST),
        lambda r, c, d: services.case_decide(
            application=c,
            actor=r.user,
            approve=d["outcome"] == "approve",
            reason_code=d["reason_code"],
            comment=d["comment"],
        ),
    ),
    "return_for_rework": (
        lambda r, c: ReturnForm(r.POST),
        lambda r, c, d: services.case_return_for_rework(application=c, actor=r.user, **d),
    ),
}


# what each action changed, read back from the case as it now is (recommend and decide add the amount)
DONE_TEXTS = {
    "assign": gettext_lazy("%(ref)s assigned to %(assignee)s."),
    "start_screening": gettext_lazy("%(ref)s: screening started (%(company)s)."),
    "checklist": gettext_lazy("%(ref)s: screening checklist saved."),
    "request_info": gettext_lazy(
        "%(ref)s: information requested from %(company)s; the service-level clock is paused."
    ),
    "note": gettext_lazy("%(ref)s: note saved."),
    "send_to_valuation": gettext_lazy("%(ref)s sent to valuation: order the valuation from a panel valuer."),
    "start_credit_review": gettext_lazy("%(ref)s: credit review started."),
    "scores": gettext_lazy("%(ref)s: credit scores saved."),
    "return_for_rework": gettext_lazy("%(ref)s returned for rework: it is back in credit review."),
}


def _done_message(action, case):
    """What the action changed, on which case, for whom, and the amount: read back from the case as it now is."""
    values = {
        "ref": case.reference,
        "company": case.company.legal_name,
        "status": case.get_status_display(),
        "assignee": case.assignee or "—",
    }
    if action == "recommend":
        return _recommended_message(case, values)
    if action == "decide":
        return _decided_message(case, values)
    return str(DONE_TEXTS.get(action, gettext_lazy("%(ref)s: %(status)s."))) % values


def _recommended_message(case, values):
    recommendation = case.recommendations.order_by("-pk").first()
    values["amount"] = money(recommendation.amount if recommendation else None, case.currency)
    return (
        _("%(ref)s recommended: %(amount)s for %(company)s, now awaiting the approver's decision.") % values
    )


def _decided_message(case, values):
    values["amount"] = money(case.approved_amount, case.currency)
    if case.status == "approved":
        return _("%(ref)s approved: %(amount)s for %(company)s. The applicant is notified.") % values
    return _("%(ref)s: decision recorded (%(status)s). The applicant is notified.") % values


@role_required(*STAFF)
@require_POST
def case_action(request, pk, action):
    case = case_get_for(user=request.user, pk=pk)
    if action not in ACTIONS:
        messages.error(request, _("Unknown action."))
        return redirect("casework:case", pk=pk)
    make_form, call = ACTIONS[action]
    form = make_form(request, case) if make_form else None
    if action == "scores":

        def call(r, c, d, form=form):
            return services.credit_score(application=c, actor=r.user, scores=form.scores())

    outcome = _run(request, case, action, form, lambda data: call(request, case, data))
    if outcome is True:
        case.refresh_from_db()
        messages.success(request, _done_message(action, case))
    elif outcome is not False:
        return outcome
    return redirect("casework:case", pk=pk)


@role_required(Role.CASE_OFFICER)
def conflicts(request):
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        company = Company.objects.filter(registration_number=form.cleaned_data["company"].strip()).first()
        if company is None:
            form.add_error("company", _("No company with this registration number."))
        else:
            try:
                services.conflict_declare(
                    officer=request.user, company=company, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Declared. You will not be assigned this company's cases."))
                return redirect("casework:conflicts")
            except DomainError as exc:
                form_error_from(form, exc)
    declared = request.user.conflicts_of_interest.select_related("company")
    return render(request, "casework/conflicts.html", {"form": form, "declared": declared})


@role_required(Role.APPLICANT)
@require_POST
def answer_info(request, pk):
    """The applicant answers an information request (from the applicant's case page)."""
    info = get_object_or_404(InformationRequest, pk=pk)
    application_get_for(user=request.user, pk=info.application_id)  # 404 unless it is the user's company
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        documents = form.cleaned_data["documents"]
        try:
            case_answer_info_with_documents(
                request=info, actor=request.user, answer=form.cleaned_data["answer"], documents=documents
            )
            messages.success(request, _answer_sent_message(documents))
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        problems = form.errors.get("documents") if "answer" not in form.errors else None
        messages.error(request, " ".join(problems) if problems else _("Write an answer."))
    return redirect("applications:detail", pk=info.application_id)


def _answer_sent_message(documents):
    if not documents:
        return _("Thank you: your answer was sent to the agency.")
    return ngettext(
        "Thank you: your answer and %(n)s document were sent to the agency.",
        "Thank you: your answer and %(n)s documents were sent to the agency.",
        len(documents),
    ) % {"n": len(documents)}


def applicant_panel_context(request, application):
    """Messages from the agency and open information requests, for the applicant's case page."""
    return {
        "messages_from_agency": CaseNote.objects.filter(
            application=application, kind="message"
        ).select_related("author"),
        "open_requests": InformationRequest.objects.filter(application=application, answered_at__isnull=True),
        "answered_requests": InformationRequest.objects.filter(
            application=application, answered_at__isnull=False
        ),
        "answer_form": AnswerForm(),
    }
