from django.shortcuts import render

from accounts.roles import Role

# A person holding several roles lands on the home of the first one here.
HOME_ORDER = [
    Role.ADMINISTRATOR,
    Role.APPROVER,
    Role.CASE_OFFICER,
    Role.OFFICIAL,
    Role.VALUER,
    Role.LENDER_OFFICER,
    Role.FUND_MANAGER,
    Role.APPLICANT,
]


def primary_role(user):
    for role in HOME_ORDER:
        if role in user.roles:
            return role
    return None


def home(request):
    """The landing page for visitors; each role's own home for a signed-in user."""
    if not request.user.is_authenticated:
        return render(request, "home/visitor.html")
    role = primary_role(request.user)
    template = f"home/{role.value}.html" if role else "home/no_role.html"
    return render(request, template, {"role": role, "organization": request.user.organization})
