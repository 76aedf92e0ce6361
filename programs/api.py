from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets

from .models import EligibilityRule, Program
from .selectors import program_published


class EligibilityRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = EligibilityRule
        fields = ["kind", "parameters", "explanation"]


class ProgramSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.name")
    eligibility_rules = EligibilityRuleSerializer(many=True)

    class Meta:
        model = Program
        fields = [
            "id",
            "code",
            "name",
            "purpose",
            "who_can_apply",
            "kind",
            "country",
            "agency",
            "currency",
            "min_amount",
            "max_amount",
            "max_advance_rate",
            "base_interest_rate",
            "subsidised_interest_rate",
            "guarantee_coverage_min",
            "guarantee_coverage_max",
            "guarantee_fee_min",
            "guarantee_fee_max",
            "valuation_subsidy_share",
            "valuation_subsidy_cap",
            "service_levels",
            "accepted_ip_types",
            "required_documents",
            "opens_on",
            "closes_on",
            "eligibility_rules",
        ]


@extend_schema(tags=["programs"])
class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Published programs (public)."""

    serializer_class = ProgramSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    filterset_fields = ["kind", "currency", "country"]
    ordering_fields = ["name", "code"]

    def get_queryset(self):
        return program_published().order_by("name")
