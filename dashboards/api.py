"""The program dashboard and the facility portfolio as JSON, from the same builders as the pages and their exports
(``dashboards.program.build_dashboard``, ``dashboards.portfolio.portfolio_data``), to the same readers: agency staff
and officials; the portfolio counts only the facilities the reader may see. Amounts are strings (never floats)."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import AGENCY_ROLES, Role
from core.api import role_permission
from facilities.selectors import PORTFOLIO_READERS, facility_visible_to

from .portfolio import portfolio_data
from .program import build_dashboard

READERS = (Role.OFFICIAL, *AGENCY_ROLES)
FIRST_YEAR, LAST_YEAR = 1900, 2999  # as the page: periods become instants in the agency's time zone


def plain(value):
    """The builders' figures for JSON: Decimals as strings, dates as ISO dates, containers walked."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


class PeriodSerializer(serializers.Serializer):
    scope = serializers.RegexField(
        r"^(all|(program|agency|country):[\w.-]{1,50})$",
        required=False,
        default="all",
        help_text="all, program:<code>, agency:<short code> or country:<code>",
    )
    start = serializers.DateField(required=False, help_text="Defaults to a year before the end")
    end = serializers.DateField(required=False, help_text="Defaults to today")

    def validate(self, data):
        data["end"] = data.get("end") or timezone.localdate()
        data["start"] = data.get("start") or data["end"] - timedelta(days=365)
        for name in ("start", "end"):
            if not FIRST_YEAR <= data[name].year <= LAST_YEAR:
                raise serializers.ValidationError(
                    {
                        name: [
                            _("Choose a date between %(first)s and %(last)s.")
                            % {"first": FIRST_YEAR, "last": LAST_YEAR}
                        ]
                    }
                )
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": [_("The period ends before it starts.")]})
        return data


DASHBOARD = inline_serializer(
    "ProgramDashboard",
    {
        "title": serializers.CharField(),
        "scope": serializers.CharField(),
        "period_start": serializers.DateField(),
        "period_end": serializers.DateField(),
        "data": serializers.DictField(
            help_text="The page's figures, tables and charts, as its exports have them"
        ),
    },
)
PORTFOLIO = inline_serializer(
    "Portfolio",
    {
        "title": serializers.CharField(),
        "as_of": serializers.DateField(),
        "data": serializers.DictField(help_text="The portfolio page's figures, tables and charts"),
    },
)


class ProgramDashboardApi(APIView):
    """The program dashboard of a scope and period (agency staff and officials)."""

    permission_classes = [role_permission(*READERS)]

    @extend_schema(
        responses=DASHBOARD,
        parameters=[
            OpenApiParameter("scope", OpenApiTypes.STR),
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
        ],
    )
    def get(self, request):
        period = PeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        scope, start, end = (period.validated_data[k] for k in ("scope", "start", "end"))
        title, data = build_dashboard(scope, start, end)
        body = {"title": str(title), "scope": scope, "period_start": start, "period_end": end, "data": data}
        return Response(plain(body))


class PortfolioApi(APIView):
    """The portfolio of the facilities the reader may see (agency staff: their programs'; officials: all)."""

    permission_classes = [role_permission(*PORTFOLIO_READERS)]

    @extend_schema(responses=PORTFOLIO)
    def get(self, request):
        data = portfolio_data(facility_visible_to(user=request.user))
        body = {"title": "Portfolio of facilities", "as_of": timezone.localdate(), "data": data}
        return Response(plain(body))
