import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from accounts.models import Membership, Organization, User
from accounts.roles import STAFF_ROLES, OrganizationKind, Role

TEST_PASSWORD = "correct-horse-battery"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

KIND_FOR_ROLE = {
    Role.APPLICANT: OrganizationKind.COMPANY,
    Role.CASE_OFFICER: OrganizationKind.AGENCY,
    Role.APPROVER: OrganizationKind.AGENCY,
    Role.ADMINISTRATOR: OrganizationKind.AGENCY,
    Role.VALUER: OrganizationKind.VALUER,
    Role.LENDER_OFFICER: OrganizationKind.LENDER,
    Role.FUND_MANAGER: OrganizationKind.FUND_MANAGER,
    Role.OFFICIAL: OrganizationKind.OVERSIGHT,
}


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganizationKind.COMPANY
    country = "KR"
    short_code = factory.Sequence(lambda n: f"ORG{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def make_user(role, organization=None, *, with_totp=None, **kwargs):
    """A user holding ``role`` in ``organization`` (a new one of the right kind if not given).

    Staff get a TOTP authenticator unless ``with_totp=False``.
    """
    role = Role(role)
    organization = organization or OrganizationFactory(kind=KIND_FOR_ROLE[role])
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, organization=organization, role=role)
    if with_totp is None:
        with_totp = role in STAFF_ROLES
    if with_totp:
        TOTP.activate(user, TEST_TOTP_SECRET)
    return User.objects.get(pk=user.pk)


def has_totp(user):
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# --- programs and applications --------------------------------------------------

from datetime import date, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402

from applications.models import Application, Company, CompanyFinancialYear, IPAsset  # noqa: E402
from programs.models import Program  # noqa: E402

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    agency = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.AGENCY)
    code = factory.Sequence(lambda n: f"PRG{n}")
    name = factory.Sequence(lambda n: f"Program {n}")
    kind = "ip_collateral_loan"
    currency = "KRW"
    min_amount = Decimal("1000000")
    max_amount = Decimal("1000000000")
    max_advance_rate = Decimal("0.5")
    base_interest_rate = Decimal("0.035")
    subsidised_interest_rate = Decimal("0.02")
    budget_envelope = Decimal("10000000000")
    company_exposure_ceiling = Decimal("5000000000")
    accepted_ip_types = ["patent", "trademark"]
    required_documents = []
    service_levels = {
        "screening": 5,
        "info_requested": 10,
        "valuation": 7,
        "credit_review": 10,
        "recommended": 5,
    }
    is_published = True


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    organization = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.COMPANY)
    legal_name = factory.SelfAttribute("organization.name")
    registration_number = factory.Sequence(lambda n: f"{100 + n % 900:03d}-{n % 100:02d}-{n:05d}")
    country = "KR"
    sector = "Biotechnology"
    employees = 40
    credit_grade = "BB"


def add_revenues(company, revenues, currency="KRW"):
    for year, revenue in revenues.items():
        CompanyFinancialYear.objects.create(
            company=company, year=year, revenue=Decimal(revenue), currency=currency
        )


class IPAssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IPAsset

    company = factory.SubFactory(CompanyFactory)
    ip_type = "patent"
    jurisdiction = "KR"
    registry_number = factory.Sequence(lambda n: f"10-2020-{n:07d}")
    title = factory.Sequence(lambda n: f"Invention {n}")
    filing_date = date(2020, 1, 1)
    grant_date = date(2021, 1, 1)
    expiry_date = date(2040, 1, 1)
    owner_name = factory.SelfAttribute("company.legal_name")


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application at rest. For later states, call the services."""

    class Meta:
        model = Application

    program = factory.SubFactory(ProgramFactory)
    company = factory.SubFactory(CompanyFactory)
    created_by = factory.LazyAttribute(lambda o: make_user(Role.APPLICANT, o.company.organization))
    requested_amount = Decimal("100000000")
    purpose = "Working capital"
    wizard_step = "amount"


def company_for_user(user, **kwargs):
    """The Company profile of the applicant's organisation (created if missing)."""
    return Company.objects.filter(organization=user.organization).first() or CompanyFactory(
        organization=user.organization, **kwargs
    )


def make_submitted(program, **kwargs):
    """An application submitted through the real service (reference, budget, audit event)."""
    from applications.services import application_submit

    application = ApplicationFactory(program=program, **kwargs)
    application.ip_assets.set([IPAssetFactory(company=application.company)])
    application_submit(application=application, actor=application.created_by, declaration_accepted=True)
    return application


def make_token(user):
    """A personal API token of ``user`` (what /accounts/api-token/ makes), as the header's value.

    Its last use is stamped now, as for a token in service: the stamp is written at most once a minute, and a test
    that counts an API request's queries should not count that write."""
    from django.utils import timezone

    from accounts.models import ApiToken
    from accounts.tokens import api_token_create

    row, token = api_token_create(actor=user, name="test")
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return token


def verified_buyer(agency, *, registered_by, verified_by, kind=OrganizationKind.FUND_MANAGER, name=None):
    """A user acting for an organisation on ``agency``'s buyer registry, registered and verified by the services."""
    from recoveries import services as recovery

    organization = OrganizationFactory(kind=kind, **({"name": name} if name else {}))
    buyer = recovery.buyer_register(agency=agency, organization=organization, actor=registered_by)
    recovery.buyer_verify(buyer=buyer, actor=verified_by)
    role = {v: k for k, v in KIND_FOR_ROLE.items() if k not in (Role.APPROVER, Role.ADMINISTRATOR)}[kind]
    return make_user(role, organization)


def deliver_valuation(case, officer, *, value_per_asset="1000000000", grade="A", accept=True, valid_days=365):
    """Order, report and (by default) accept a valuation of the case's IP through the real services.

    The case must be at the valuation stage; a panel firm and its valuer are made here."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from valuations import services as valuations

    firm = OrganizationFactory(kind=OrganizationKind.VALUER, name=f"Valuer for {case.pk}")
    case.program.valuer_panel.add(firm)
    valuer = make_user(Role.VALUER, firm)
    order = valuations.valuation_order_create(
        application=case, actor=officer, fee=Decimal("1000000"), valuer=firm
    )
    valuations.valuation_order_accept(order=order, actor=valuer)
    value = Decimal(value_per_asset)
    valuations.valuation_report_submit(
        order=order,
        actor=valuer,
        lines=[
            {"asset": a, "method": "income", "value": value, "value_low": value, "value_high": value}
            for a in order.assets.all()
        ],
        assumptions="Relief from royalty",
        technology_grade=grade,
        valid_until=date.today() + timedelta(days=valid_days),
        pdf=SimpleUploadedFile("signed.pdf", PDF_BYTES),
    )
    if accept:
        valuations.valuation_order_agency_accept(order=order, actor=officer)
    order.refresh_from_db()
    return order
