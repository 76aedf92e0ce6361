"""Demo SMEs with IP assets and applications in several states (idempotent; states reached through services)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal as D

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, ensure_user, organization
from accounts.models import Organization
from accounts.roles import OrganizationKind, Role
from programs.models import Program

from . import services
from .models import Application, Company, IPAsset, StageSpan

DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

COMPANIES = [
    {
        "org": "SME1",
        "user": None,
        "profile": {
            "legal_name": "Biotech Seoul Co. (demo)",
            "country": "KR",
            "registration_number": "214-86-12345",
            "sector": "Biotechnology",
            "region": "Seoul",
            "employees": 48,
            "credit_grade": "BB",
            "contact_name": "Ji-woo Park",
            "contact_email": "applicant@demo.ipfin.kr",
        },
        "currency": "KRW",
        "revenues": {
            2022: D("3100000000"),
            2023: D("3900000000"),
            2024: D("4800000000"),
            2025: D("6100000000"),
        },
        "assets": [
            ("patent", "KR", f"10-2019-00{n:05d}", f"Antibody platform, claim family {n}", 2019)
            for n in range(11231, 11238)
        ],
        "applications": [
            ("KIPO", D("2000000000"), "Working capital for phase II trials, secured on 7 patents.", 7, True)
        ],
    },
    {
        "org": "SME2",
        "user": ("founder@brightsoft.demo", "Oliver Bennett"),
        "profile": {
            "legal_name": "Brightsoft Analytics Ltd (demo)",
            "country": "GB",
            "registration_number": "09876543",
            "sector": "Software",
            "region": "Manchester",
            "employees": 35,
            "credit_grade": "BBB",
            "contact_name": "Oliver Bennett",
            "contact_email": "founder@brightsoft.demo",
        },
        "currency": "GBP",
        "revenues": {2022: D("1200000"), 2023: D("1550000"), 2024: D("2010000"), 2025: D("2600000")},
        "assets": [
            ("patent", "GB", "GB2598765", "Streaming anomaly detection", 2020),
            ("trademark", "GB", "UK00003456789", "BRIGHTSOFT", 2018),
        ],
        "applications": [("HGIP", D("750000"), "Scale-up of the sales team in Europe.", 2, True)],
    },
    {
        "org": "SME3",
        "user": ("ceo@hangzhou-optics.demo", "Li Wei"),
        "profile": {
            "legal_name": "Hangzhou Optics Co. (demo)",
            "country": "CN",
            "registration_number": "91330100MA2H123456",
            "sector": "Photonics",
            "region": "Zhejiang",
            "employees": 120,
            "credit_grade": "B",
            "contact_name": "Li Wei",
            "contact_email": "ceo@hangzhou-optics.demo",
        },
        "currency": "CNY",
        "revenues": {2023: D("42000000"), 2024: D("45000000"), 2025: D("51000000")},
        "assets": [
            ("patent", "CN", "ZL202010123456.7", "Micro-lens array moulding", 2020),
            ("patent", "CN", "ZL202110654321.X", "Lens coating process", 2021),
        ],
        "applications": [
            ("CNPL", D("6000000"), "Purchase of a moulding line.", 2, True),
            ("KIBO", None, "", 0, False),
        ],
    },
    {
        "org": "SME4",
        "user": ("ceo@gamelab.demo", "Seo-jun Han"),
        "profile": {
            "legal_name": "GameLab Busan (demo)",
            "country": "KR",
            "registration_number": "617-81-54321",
            "sector": "Games",
            "region": "Busan",
            "employees": 22,
            "credit_grade": "CCC",
            "contact_name": "Seo-jun Han",
            "contact_email": "ceo@gamelab.demo",
        },
        "currency": "KRW",
        "revenues": {2023: D("900000000"), 2024: D("1100000000"), 2025: D("1500000000")},
        "assets": [("software", "KR", "10-2021-0098765", "Procedural level engine", 2021)],
        "applications": [("KIBO", D("400000000"), "Development of a new title.", 1, False)],
    },
]


def _organization(short_code, profile):
    if short_code == "SME1":
        return organization("SME1")
    org, _ = Organization.objects.get_or_create(
        short_code=short_code,
        defaults={
            "name": profile["legal_name"],
            "kind": OrganizationKind.COMPANY,
            "country": profile["country"],
        },
    )
    return org


def _company(spec):
    org = _organization(spec["org"], spec["profile"])
    if spec["user"]:
        user = ensure_user(spec["user"][0], spec["user"][1], org, Role.APPLICANT)
    else:
        user = org.memberships.select_related("user").first().user
    company = Company.objects.filter(organization=org).first()
    if company is None:
        fields = {k: v for k, v in spec["profile"].items()}
        company = Company.objects.create(organization=org, **fields)
        services._financials(company, spec["revenues"], spec["currency"])
    return company, user


def _expiry(ip_type, year):
    """Twenty years from filing; a trademark's registration runs ten years at a time, renewed up to today."""
    if ip_type != "trademark":
        return date(year + 20, 3, 1)
    expiry = date(year + 10, 3, 1)
    while expiry <= date.today():
        expiry = date(expiry.year + 10, 3, 1)
    return expiry


def _assets(company, user, spec):
    for ip_type, office, number, title, year in spec["assets"]:
        if not IPAsset.objects.filter(jurisdiction=office, ip_type=ip_type, registry_number=number).exists():
            services.ip_asset_create(
                company=company,
                actor=user,
                data={
                    "ip_type": ip_type,
                    "jurisdiction": office,
                    "registry_number": number,
                    "title": title,
                    "filing_date": date(year, 3, 1),
                    "grant_date": date(year + 1, 9, 1),
                    "expiry_date": _expiry(ip_type, year),
                    "status": "registered",
                    "owner_name": company.legal_name,
                },
            )
    return list(company.ip_assets.order_by("pk"))


def seed(stdout):
    for spec in COMPANIES:
        company, user = _company(spec)
        assets = _assets(company, user, spec)
        for code, amount, purpose, asset_count, submit in spec["applications"]:
            program = Program.objects.get(code=code)
            if Application.objects.filter(company=company, program=program).exists():
                continue
            application = services.application_create_draft(company=company, program=program, actor=user)
            if amount is None:
                continue
            services.application_update_draft(
                application=application,
                actor=user,
                requested_amount=amount,
                purpose=purpose,
                ip_assets=assets[:asset_count],
                step="documents",
            )
            for document_type in program.required_documents:
                services.document_upload(
                    application=application,
                    actor=user,
                    document_type=document_type,
                    upload=SimpleUploadedFile(f"{document_type}.pdf", DEMO_PDF),
                )
            if submit:
                services.application_submit(application=application, actor=user, declaration_accepted=True)
    stdout.write(
        f"Demo SMEs: {len(COMPANIES)} (extra applicant logins use the password {DEMO_PASSWORD}: "
        + ", ".join(s["user"][0] for s in COMPANIES if s["user"])
        + ")\n"
    )


# Whole days a demo case stays in each stage it has left, so the dashboards' days per stage, days to decision and
# service-level shares read like a real pipeline (within the demo programs' service levels).
DEMO_STAGE_DAYS = {
    "submitted": 1,
    "screening": 3,
    "info_requested": 4,
    "valuation": 6,
    "credit_review": 4,
    "recommended": 2,
}


def backdate_case(case, *, submitted_on):
    """Date a demo case's past as if submitted on ``submitted_on`` (the services date everything today): each stage it
    has left lasts DEMO_STAGE_DAYS, a decision falls at the end of them. Returns the day its open stage began (the
    decision day of a decided case). The audit log keeps the real times: it is append-only."""
    case.refresh_from_db()  # the services moved a locked copy
    moment = timezone.make_aware(datetime.combine(submitted_on, time(9, 30)))
    start = moment
    spans = list(StageSpan.objects.filter(application=case).order_by("entered_at", "id"))
    for span in spans:
        span.entered_at = moment
        if span.left_at is not None:
            span.days = DEMO_STAGE_DAYS.get(span.stage, 2)
            moment += timedelta(days=span.days)
            span.left_at = moment
    StageSpan.objects.bulk_update(spans, ["entered_at", "left_at", "days"])
    fields = {"submitted_at": start, "created_at": start - timedelta(days=2)}
    if case.decided_at is not None:
        fields["decided_at"] = moment
    Application.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return moment.date()
