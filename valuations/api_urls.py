from django.urls import path

from core.routing import Router

from .api import ValuationOrderViewSet
from .api_calculators import CostCalculatorApi, RoyaltyCalculatorApi, ScorecardCalculatorApi

router = Router()
router.register("valuation-orders", ValuationOrderViewSet, basename="valuation-order")
urlpatterns = [
    path("valuations/calculators/royalty/", RoyaltyCalculatorApi.as_view(), name="api-calculator-royalty"),
    path("valuations/calculators/cost/", CostCalculatorApi.as_view(), name="api-calculator-cost"),
    path(
        "valuations/calculators/scorecard/", ScorecardCalculatorApi.as_view(), name="api-calculator-scorecard"
    ),
    *router.urls,
]
