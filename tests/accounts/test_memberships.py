"""The memberships read on every request (accounts.memberships): the ORM's own answer, field by field."""

import pytest

from accounts.memberships import active_memberships_of
from accounts.models import Membership, Organization, User
from accounts.roles import OrganizationKind, Role
from tests.factories import OrganizationFactory, make_user

pytestmark = pytest.mark.django_db


def _orm(user_id):
    return list(
        Membership.objects.filter(user_id=user_id, organization__is_active=True)
        .select_related("organization")
        .order_by("pk")
    )


def _fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _same_as_orm(user):
    found, expected = active_memberships_of(user.pk), _orm(user.pk)
    assert [_fields(m) for m in found] == [_fields(m) for m in expected]
    assert [_fields(m.organization) for m in found] == [_fields(m.organization) for m in expected]
    return found


def test_several_roles_and_organisations_and_an_inactive_one():
    agency = OrganizationFactory(kind=OrganizationKind.AGENCY, name="Agency", country="GB")
    other = OrganizationFactory(kind=OrganizationKind.AGENCY, name="Other agency")
    closed = OrganizationFactory(kind=OrganizationKind.AGENCY, name="Closed", is_active=False)
    officer = make_user(Role.CASE_OFFICER, agency)
    Membership.objects.create(user=officer, organization=closed, role=Role.APPROVER)
    Membership.objects.create(user=officer, organization=other, role=Role.APPROVER)
    Membership.objects.create(user=officer, organization=agency, role=Role.ADMINISTRATOR)
    make_user(Role.CASE_OFFICER, other)  # someone else's rows stay out

    found = _same_as_orm(officer)
    assert [(m.organization.name, m.role) for m in found] == [
        ("Agency", Role.CASE_OFFICER),
        ("Other agency", Role.APPROVER),
        ("Agency", Role.ADMINISTRATOR),
    ]
    user = User.objects.get(pk=officer.pk)
    assert user.roles == {Role.CASE_OFFICER, Role.APPROVER, Role.ADMINISTRATOR}
    assert user.organization.name == "Agency" and user.organization.country == "GB"
    assert [o.name for o in user.organizations_for(Role.APPROVER)] == ["Other agency"]


def test_an_organisation_closed_later_takes_its_roles_with_it():
    agency = OrganizationFactory(kind=OrganizationKind.AGENCY)
    officer = make_user(Role.CASE_OFFICER, agency)
    assert User.objects.get(pk=officer.pk).roles == {Role.CASE_OFFICER}
    Organization.objects.filter(pk=agency.pk).update(is_active=False)
    user = User.objects.get(pk=officer.pk)
    assert _same_as_orm(user) == [] and user.roles == frozenset() and user.organization is None
    assert not user.needs_mfa


def test_no_memberships_and_the_instances_behave_as_the_orms():
    lonely = make_user(Role.APPLICANT)
    Membership.objects.filter(user=lonely).delete()
    assert _same_as_orm(lonely) == []
    applicant = make_user(Role.APPLICANT)
    (membership,) = _same_as_orm(applicant)
    assert not membership._state.adding and membership._state.db == "default"
    assert membership.organization.created_at.tzinfo is not None  # converted as the ORM converts it
    membership.role = Role.APPLICANT
    membership.save()  # an instance read this way saves as one the ORM read
    assert Membership.objects.get(pk=membership.pk).organization_id == applicant.organization.pk
