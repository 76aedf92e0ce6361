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
