"""The work queue's table rows, built the way Django's admin builds its change list rows: ``format_html`` per row
rather than a template per cell. The 50-row queue is the page staff open most; ten template variables, a URL
reversal, a loop and two conditions per row cost more there than the rest of the page together."""

from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from applications.models import Status
from core.templatetags.ipfin_format import money

register = template.Library()

# every value below is escaped (html.escape: the same entities as Django's escape, without its lazy-string check,
# which cost more than the rest of a row)
ROW = (
    '<tr{late}><td><input class="form-check-input" type="checkbox" name="cases" value="{pk}" id="sel-{pk}">'
    '<label class="visually-hidden" for="sel-{pk}">{select} {reference}</label></td>'
    '<td><a href="{link}">{reference}</a>{flags}</td><td>{company}</td><td>{program}</td><td class="num">{amount}</td>'
    "<td>{grade}</td><td>{status}</td><td>{assignee}</td><td>{due}{overdue}</td><td>{submitted}</td></tr>\n"
)
PLACEHOLDER = 999999999  # reversed once; each row's link substitutes its own id


@register.simple_tag
def queue_rows(cases, now=None):
    """The <tr> of each case: rows of casework.views.QUEUE_COLUMNS, with their monitoring ``flags``."""
    now = now or timezone.now()
    labels, link = Status.label_map(), reverse("casework:case", args=[PLACEHOLDER])
    select, flag_badge = escape(_("Select")), escape(_("flag"))
    overdue = f' <span class="badge text-bg-danger">{escape(_("overdue"))}</span>'
    rows = []
    for case in cases:
        due, submitted = case["stage_due_at"], case["submitted_at"]
        late, pk = bool(due and due < now), str(case["id"])
        rows.append(
            ROW.format(
                late=' class="table-danger"' if late else "",
                pk=pk,
                select=select,
                reference=escape(case["reference"]),
                link=escape(link.replace(str(PLACEHOLDER), pk)),
                flags="".join(
                    f' <span class="badge text-bg-warning" title="{escape(str(f))}">{flag_badge}</span>'
                    for f in case.get("flags", ())
                ),
                company=escape(case["company__legal_name"]),
                program=escape(case["program__code"]),
                amount=escape(money(case["requested_amount"], case["program__currency"])),
                grade=escape(case["company__credit_grade"] or "—"),
                status=escape(str(labels.get(case["status"], case["status"]))),
                assignee=escape(case["assignee__email"] or "—"),
                due=timezone.localdate(due).isoformat() if due else "—",
                overdue=overdue if late else "",
                submitted=timezone.localdate(submitted).isoformat() if submitted else "",
            )
        )
    return mark_safe("".join(rows))
