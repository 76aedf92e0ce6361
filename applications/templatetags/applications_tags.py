"""Template access to the applicant's side for pages of lower apps (the public program page asks whether the
visitor has a company to apply with, without the programs app importing applications)."""

from django import template

from applications.selectors import company_for

register = template.Library()


@register.simple_tag
def user_company(user):
    """The company the signed-in applicant belongs to, or None (visitors and other roles)."""
    return company_for(user=user) if user.is_authenticated else None
