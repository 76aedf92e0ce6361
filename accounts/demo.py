"""Demo organisations and one user per role (idempotent)."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from .models import Membership, Organization, User
from .roles import STAFF_ROLES, OrganizationKind, Role

DEMO_PASSWORD = "ipfin-demo-2026"
# Known on purpose: a newcomer adds it to an authenticator app (or runs
# `manage.py demo_totp`) to sign in as a staff demo user. Never in production.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

ORGANIZATIONS = {
    "KIPO": ("Korean Intellectual Property Agency (demo)", OrganizationKind.AGENCY, "KR"),
    # the state credit-guarantee agency (KODIT/KIBO-like) that runs the Korean guarantee program
    "KTGF": ("Korea Technology Guarantee Fund (demo)", OrganizationKind.AGENCY, "KR"),
    "IBK": ("Industrial Bank (demo)", OrganizationKind.LENDER, "KR"),
    "TGB": ("Thames Growth Bank (demo)", OrganizationKind.LENDER, "GB"),
    "HZCB": ("Hangzhou Commercial Bank (demo)", OrganizationKind.LENDER, "CN"),
    "VALUE": ("Hanbit IP Valuation (demo)", OrganizationKind.VALUER, "KR"),
    "KVIC": ("Content Fund Partners (demo)", OrganizationKind.FUND_MANAGER, "KR"),
    "SME1": ("Biotech Seoul Co. (demo)", OrganizationKind.COMPANY, "KR"),
    "MOEF": ("Ministry of SMEs and Startups (demo)", OrganizationKind.OVERSIGHT, "KR"),
}

USERS = [
    ("applicant@demo.ipfin.kr", "Ji-woo Park", "SME1", Role.APPLICANT),
    ("officer@demo.ipfin.kr", "Min-jun Kim", "KIPO", Role.CASE_OFFICER),
    ("approver@demo.ipfin.kr", "Seo-yeon Lee", "KIPO", Role.APPROVER),
    ("valuer@demo.ipfin.kr", "Do-hyun Choi", "VALUE", Role.VALUER),
    ("guarantee.officer@demo.ipfin.kr", "Eun-ji Seo", "KTGF", Role.CASE_OFFICER),
    ("guarantee.approver@demo.ipfin.kr", "Hyun-woo Baek", "KTGF", Role.APPROVER),
    ("lender@demo.ipfin.kr", "Ha-eun Jung", "IBK", Role.LENDER_OFFICER),
    ("lender.uk@demo.ipfin.kr", "Oliver Hughes", "TGB", Role.LENDER_OFFICER),
    ("lender.cn@demo.ipfin.kr", "Wei Zhang", "HZCB", Role.LENDER_OFFICER),
    ("fundmanager@demo.ipfin.kr", "Ye-jin Kang", "KVIC", Role.FUND_MANAGER),
    ("official@demo.ipfin.kr", "Jae-won Yoon", "MOEF", Role.OFFICIAL),
    ("admin@demo.ipfin.kr", "Platform Admin", "KIPO", Role.ADMINISTRATOR),
]


def organization(short_code):
    name, kind, country = ORGANIZATIONS[short_code]
    org, _ = Organization.objects.get_or_create(
        short_code=short_code, defaults={"name": name, "kind": kind, "country": country}
    )
    return org


def ensure_user(email, full_name, org, role, *, password=DEMO_PASSWORD):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    Membership.objects.get_or_create(user=user, organization=org, role=role)
    if role == Role.ADMINISTRATOR and not user.is_staff:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    if (
        role in STAFF_ROLES
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    ):
        TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


def seed(stdout):
    for short_code in ORGANIZATIONS:
        organization(short_code)
    for email, full_name, short_code, role in USERS:
        ensure_user(email, full_name, organization(short_code), role)
    stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})\n")
    for email, _, short_code, role in USERS:
        mfa = "  + TOTP" if role in STAFF_ROLES else ""
        stdout.write(f"  {role.label:<15} {email:<33} {ORGANIZATIONS[short_code][0]}{mfa}\n")
    stdout.write(f"Staff TOTP secret (add to any authenticator app): {DEMO_TOTP_SECRET}\n")
    stdout.write("Or print the current code with: .venv/bin/python manage.py demo_totp\n")
