from django.http import Http404

from accounts.roles import Role

from .models import Report

READERS = (Role.OFFICIAL, Role.ADMINISTRATOR, Role.CASE_OFFICER, Role.APPROVER)


def reports_visible_to(*, user):
    """Reports are for officials and agency staff (read-only for everyone)."""
    if not user.has_role(*READERS):
        return Report.objects.none()
    return Report.objects.all()


def report_get_for(*, user, pk):
    report = reports_visible_to(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report
