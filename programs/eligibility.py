"""The eligibility engine: a program's rules (data) applied to a draft or submitted application.

For every rule it answers passed / failed / not yet known, and why, in words
an applicant understands. Rules never raise: missing data is "not yet known".

Rules combine as all-of; rules that share a ``group`` are one any-of inside it (a bank's route such as
"growth of 20 %, or a credit grade of A"): the group passes when one of its rules passes, fails when every
one fails, and is not yet known otherwise. Each rule is still explained on its own, with its group named.

Facts that other apps own come from the caller: the company's exposure (``exposure``, in the program's
currency, without this application) and the accepted valuation's technology grade.
"""

from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from .models import TECHNOLOGY_GRADES, RuleKind

PASSED, FAILED, UNKNOWN = "passed", "failed", "unknown"
CREDIT_ORDER = ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D"]


@dataclass(frozen=True)
class Reason:
    """Why a rule passed or failed, put into words when read: a ``gettext_lazy`` message and its parameters (plain
    numbers and text). A submitted application's snapshot keeps it as ``{"msgid", "params"}`` (``spec``), so the
    reason reads in the language of whoever opens the application, years later."""

    message: Promise
    params: dict

    def spec(self):
        """JSON-ready: a Decimal is kept as text where the message shows it as text (``%(x)s``), else as a number."""
        with override(None):
            msgid = str(self.message)
        params = {
            key: (str(value) if f"%({key})s" in msgid else float(value))
            if isinstance(value, Decimal)
            else value
            for key, value in self.params.items()
        }
        return {"msgid": msgid, "params": params}

    def __str__(self):
        return words(self.spec(), "")


def words(spec, fallback):
    """A stored reason ``{"msgid", "params"}`` in the active language; ``fallback`` (the sentence stored by an older
    snapshot) when there is none or when a translation lost a placeholder."""
    if not spec:
        return fallback
    try:
        return gettext(spec["msgid"]) % (spec.get("params") or {})
    except (KeyError, ValueError, TypeError):
        return fallback or spec["msgid"]


def reason_text(result):
    """The reason of a rule result (a RuleResult or a snapshot's dict) in the reader's language; an older snapshot's
    sentence as it was stored."""
    if isinstance(result, dict):
        return words(result.get("reason_words"), result.get("reason", ""))
    return words(getattr(result, "reason_words", None), getattr(result, "reason", ""))


@dataclass(frozen=True)
class RuleResult:
    kind: str
    label: str
    outcome: str
    explanation: str
    reason: str
    group: str = ""
    group_outcome: str = ""
    reason_words: dict | None = None  # {"msgid", "params"}: the reason read in any language (see Reason)

    def as_dict(self):
        return asdict(self)


def _company_size(rule, application, facts):
    company, p = application.company, rule.parameters
    if p.get("max_employees") is not None and company.employees > int(p["max_employees"]):
        return FAILED, Reason(
            _("%(n)s employees is more than %(max)s."),
            {
                "n": company.employees,
                "max": p["max_employees"],
            },
        )
    if p.get("min_employees") is not None and company.employees < int(p["min_employees"]):
        return FAILED, Reason(
            _("%(n)s employees is fewer than %(min)s."),
            {
                "n": company.employees,
                "min": p["min_employees"],
            },
        )
    if p.get("max_revenue") is not None:
        latest = facts["revenues"][-1] if facts["revenues"] else None
        if latest is None:
            return UNKNOWN, Reason(_("The company's latest revenue is not recorded yet."), {})
        if latest[1] > Decimal(str(p["max_revenue"])):
            return FAILED, Reason(
                _("Revenue %(rev)s is above the limit of %(max)s."),
                {
                    "rev": latest[1],
                    "max": p["max_revenue"],
                },
            )
    return PASSED, Reason(_("%(n)s employees, within the program's size limits."), {"n": company.employees})


def _credit_grade(rule, application, facts):
    grade = application.company.credit_grade
    allowed = rule.parameters.get("allowed") or []
    if not grade:
        return UNKNOWN, Reason(_("The company's credit grade is not recorded yet."), {})
    if grade in allowed:
        return PASSED, Reason(_("Credit grade %(g)s is accepted."), {"g": grade})
    return FAILED, Reason(
        _("Credit grade %(g)s is not among the accepted grades (%(a)s)."),
        {
            "g": grade,
            "a": ", ".join(allowed),
        },
    )


def _sector(rule, application, facts):
    allowed = [s.lower() for s in rule.parameters.get("allowed") or []]
    sector = application.company.sector
    if sector.lower() in allowed:
        return PASSED, Reason(_("Sector “%(s)s” is eligible."), {"s": sector})
    return FAILED, Reason(_("Sector “%(s)s” is not eligible for this program."), {"s": sector})


def _ip_remaining_life(rule, application, facts):
    assets = facts["assets"]
    if not assets:
        return UNKNOWN, Reason(_("No IP asset is selected yet."), {})
    minimum = float(rule.parameters.get("min_years", 0))
    unknown, short = [], []
    for asset in assets:
        life = asset.remaining_life_years(facts["today"])
        if life is None:
            unknown.append(asset.registry_number)
        elif life < minimum:
            short.append(f"{asset.registry_number} ({life:.1f})")
    if short:
        return FAILED, Reason(
            _("Remaining life below %(min)s years: %(list)s."),
            {
                "min": minimum,
                "list": ", ".join(short),
            },
        )
    if unknown:
        return UNKNOWN, Reason(_("The expiry date is missing for: %(list)s."), {"list": ", ".join(unknown)})
    return PASSED, Reason(
        _("Every selected IP asset has at least %(min)s years of life left."), {"min": minimum}
    )


def _revenue_growth(rule, application, facts):
    min_rate = Decimal(str(rule.parameters.get("min_rate", "0.2")))
    years = int(rule.parameters.get("years", 3))
    revenues = facts["revenues"]  # [(year, revenue)] oldest first
    if len(revenues) < years + 1:
        return UNKNOWN, Reason(
            _("Growth over %(n)s years needs %(m)s years of revenue; %(have)s recorded."),
            {
                "n": years,
                "m": years + 1,
                "have": len(revenues),
            },
        )
    window = revenues[-(years + 1) :]
    for (y0, r0), (y1, r1) in zip(window, window[1:], strict=False):
        if y1 != y0 + 1:
            return UNKNOWN, Reason(_("Revenue for %(y)s is missing."), {"y": y0 + 1})
        if r0 <= 0:
            return FAILED, Reason(_("Revenue in %(y)s was zero, so growth cannot be shown."), {"y": y0})
        growth = (r1 - r0) / r0
        if growth < min_rate:
            return FAILED, Reason(
                _("Revenue grew %(g).1f%% in %(y)s, below the required %(min).0f%%."),
                {
                    "g": growth * 100,
                    "y": y1,
                    "min": min_rate * 100,
                },
            )
    return PASSED, Reason(
        _("Revenue grew at least %(min).0f%% in each of the last %(n)s years."),
        {
            "min": min_rate * 100,
            "n": years,
        },
    )


def _technology_grade(rule, application, facts):
    minimum = rule.parameters.get("min_grade", "BBB")
    grade = facts.get("technology_grade")
    if grade is None:
        return UNKNOWN, Reason(
            _("The technology grade comes with the valuation (at least %(g)s needed)."), {"g": minimum}
        )
    if TECHNOLOGY_GRADES.index(grade) <= TECHNOLOGY_GRADES.index(minimum):
        return PASSED, Reason(
            _("Technology grade %(g)s meets the minimum %(min)s."), {"g": grade, "min": minimum}
        )
    return FAILED, Reason(
        _("Technology grade %(g)s is below the minimum %(min)s."), {"g": grade, "min": minimum}
    )


def _ip_types(rule, application, facts):
    allowed = rule.parameters.get("allowed") or application.program.accepted_ip_types
    assets = facts["assets"]
    if not assets:
        return UNKNOWN, Reason(_("No IP asset is selected yet."), {})
    wrong = [a.registry_number for a in assets if a.ip_type not in allowed]
    if wrong:
        return FAILED, Reason(
            _("Not an accepted IP type for this program: %(list)s."), {"list": ", ".join(wrong)}
        )
    return PASSED, Reason(_("Every selected IP asset is of an accepted type."), {})


def _exposure_ceiling(rule, application, facts):
    if application.requested_amount is None:
        return UNKNOWN, Reason(_("The requested amount is not filled in yet."), {})
    existing = facts.get("exposure")
    if existing is None:
        return UNKNOWN, Reason(_("The company's exposure across programs is not known yet."), {})
    ceiling = application.program.company_exposure_ceiling
    total = existing + application.requested_amount
    if total > ceiling:
        return FAILED, Reason(
            _("With this request the company would owe %(t)s %(c)s across programs; the ceiling is %(max)s."),
            {"t": f"{total:,.0f}", "c": application.program.currency, "max": f"{ceiling:,.0f}"},
        )
    return PASSED, Reason(
        _("Total exposure %(t)s %(c)s stays within the ceiling of %(max)s."),
        {
            "t": f"{total:,.0f}",
            "c": application.program.currency,
            "max": f"{ceiling:,.0f}",
        },
    )


CHECKS = {
    RuleKind.COMPANY_SIZE: _company_size,
    RuleKind.CREDIT_GRADE: _credit_grade,
    RuleKind.SECTOR: _sector,
    RuleKind.IP_REMAINING_LIFE: _ip_remaining_life,
    RuleKind.REVENUE_GROWTH: _revenue_growth,
    RuleKind.TECHNOLOGY_GRADE: _technology_grade,
    RuleKind.IP_TYPES: _ip_types,
    RuleKind.EXPOSURE_CEILING: _exposure_ceiling,
}


def evaluate(application, *, today=None, technology_grade=None, exposure=None):
    """Every rule of the application's program applied to it, in the program's order.

    ``exposure``: what the company owes or may owe elsewhere, in the program's currency (None: not known)."""
    company = application.company
    facts = {
        "today": today or date.today(),
        "assets": list(application.ip_assets.all()) if application.pk else [],
        "revenues": sorted((fy.year, fy.revenue) for fy in company.financial_years.all()),
        "technology_grade": technology_grade,
        "exposure": exposure,
    }
    results = []
    for rule in application.program.eligibility_rules.all():
        outcome, reason = CHECKS[rule.kind](rule, application, facts)
        results.append(
            RuleResult(
                rule.kind,
                rule.get_kind_display(),
                outcome,
                rule.explanation,
                str(reason),
                group=rule.group,
                reason_words=reason.spec(),
            )
        )
    return _with_group_outcomes(results)


def group_outcome(outcomes):
    """Any-of: passed when one passed, failed when all failed, else not yet known."""
    if PASSED in outcomes:
        return PASSED
    if all(o == FAILED for o in outcomes):
        return FAILED
    return UNKNOWN


def _with_group_outcomes(results):
    groups = {}
    for result in results:
        if result.group:
            groups.setdefault(result.group, []).append(result.outcome)
    return [
        replace(r, group_outcome=group_outcome(groups[r.group]))
        if r.group
        else replace(r, group_outcome=r.outcome)
        for r in results
    ]


def failing(results):
    """The rules that block: a failed rule outside any group, or every rule of a group whose members all failed."""
    return [r for r in results if r.group_outcome == FAILED]


def not_known(results):
    """The rules (or groups) that cannot be decided yet."""
    return [r for r in results if r.group_outcome == UNKNOWN]


def snapshot(results):
    return {"evaluated_at": date.today().isoformat(), "rules": [r.as_dict() for r in results]}
