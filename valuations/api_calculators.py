"""The valuation calculators of the valuer's page (``views.calculator``) as API operations: pure computation on the
same forms (the same validation) and the same functions (``valuations.calculators``), for the page's readers
(valuers and agency staff). Inputs are query parameters named as the page's fields; a bad input is a 400 in the
error shape with the field's messages. Amounts and rates are strings."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import role_permission
from core.errors import InvalidInput

from .calculators import cost_approach, relief_from_royalty, scorecard
from .forms import CostForm, RoyaltyForm, ScorecardForm
from .views import READERS


def _valid(form):
    """The form's cleaned data, or a 400 whose details are the form's own messages."""
    if not form.is_valid():
        details = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
        raise InvalidInput("The request is not valid.", code="invalid", details=details)
    return form.cleaned_data


def _params(form_class, **extra):
    return [
        OpenApiParameter(name, OpenApiTypes.STR, required=field.required, description=str(field.label))
        for name, field in form_class(**extra).fields.items()
    ]


ROYALTY = inline_serializer(
    "RoyaltyResult",
    {
        "total": serializers.CharField(help_text="Present value of the royalties saved"),
        "lines": serializers.ListField(child=serializers.DictField()),
    },
)
COST = inline_serializer(
    "CostResult",
    {"value": serializers.CharField(), "steps": serializers.ListField(child=serializers.DictField())},
)
SCORE = inline_serializer(
    "ScorecardResult",
    {"score": serializers.CharField(), "grade": serializers.CharField(), "areas": serializers.DictField()},
)


class RoyaltyCalculatorApi(APIView):
    permission_classes = [role_permission(*READERS)]

    @extend_schema(responses=ROYALTY, parameters=_params(RoyaltyForm))
    def get(self, request):
        """Relief from royalty: Σ revenue × royalty × (1 − tax) ÷ (1 + discount)^t over the legal life left."""
        data = _valid(RoyaltyForm(request.query_params))
        total, lines = relief_from_royalty(**data, valuation_date=timezone.localdate())
        rows = [{k: str(v) if k != "year" else v for k, v in vars(line).items()} for line in lines]
        return Response({"total": str(total), "lines": rows})


class CostCalculatorApi(APIView):
    permission_classes = [role_permission(*READERS)]

    @extend_schema(responses=COST, parameters=_params(CostForm))
    def get(self, request):
        """Cost approach: the reproduction cost less each obsolescence in turn (a share of what is left)."""
        value, steps = cost_approach(**_valid(CostForm(request.query_params)))
        return Response({"value": str(value), "steps": [{"step": s, "amount": str(a)} for s, a in steps]})


class ScorecardCalculatorApi(APIView):
    permission_classes = [role_permission(*READERS)]

    @extend_schema(responses=SCORE, parameters=_params(ScorecardForm))
    def get(self, request):
        """The IP scorecard: every indicator rated 1–5 (``<area>:<indicator>``), the weighted score and its grade."""
        form = ScorecardForm(request.query_params)
        _valid(form)
        score, grade, areas = scorecard(form.ratings())
        return Response({"score": str(score), "grade": grade, "areas": {a: str(v) for a, v in areas.items()}})
