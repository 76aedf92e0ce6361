"""Programs modelled on the seed articles (idempotent)."""

from datetime import date
from decimal import Decimal as D

from accounts.demo import organization
from accounts.models import User
from accounts.roles import Role

from .models import (
    EligibilityRule,
    GuaranteeTier,
    MarketTarget,
    MarketVolume,
    Program,
    ProgramKind,
    RuleKind,
)

ALL_IP = ["patent", "utility_model", "design", "trademark", "copyright", "software"]
PROGRAMS = [
    {
        "code": "KIPO",
        "name": "IP-Collateral Loan (KIPO-style)",
        "agency": "KIPO",
        "banks": ["IBK"],
        "kind": ProgramKind.IP_COLLATERAL_LOAN,
        "country": "KR",
        "currency": "KRW",
        "min_amount": D("100000000"),
        "max_amount": D("3000000000"),
        "max_advance_rate": D("0.6"),
        "base_interest_rate": D("0.035"),
        "subsidised_interest_rate": D("0.02"),
        "valuation_subsidy_share": D("0.7"),
        "valuation_subsidy_cap": D("14000000"),
        "service_levels": {
            "screening": 5,
            "info_requested": 10,
            "valuation": 14,
            "credit_review": 10,
            "recommended": 5,
        },
        "accepted_ip_types": ["patent", "utility_model", "design", "trademark"],
        "required_documents": ["Business registration certificate", "Financial statements"],
        "budget_envelope": D("200000000000"),
        "valuation_budget": D("2000000000"),
        "company_exposure_ceiling": D("5000000000"),
        "annual_volume_target": D("5000000000"),
        "purpose": "Partner banks (IBK, Woori, Shinhan) lend against pledged patents. The patent office subsidises the "
        "valuation and helps dispose of the IP on default. Rates around 2% with support, against 3–4% for "
        "ordinary SME loans.",
        "who_can_apply": "Korean SMEs owning registered patents, utility models, designs or trademarks.",
        "rules": [
            (RuleKind.COMPANY_SIZE, {"max_employees": 300}, "An SME: at most 300 employees."),
            (RuleKind.IP_TYPES, {}, "Patents, utility models, designs and trademarks can be pledged."),
            (
                RuleKind.IP_REMAINING_LIFE,
                {"min_years": 3},
                "Pledged IP must have at least 3 years of life left.",
            ),
            (RuleKind.EXPOSURE_CEILING, {}, "At most KRW 5 bn owed across all programs."),
        ],
    },
    {
        "code": "KIBO",
        "name": "Technology IP Guarantee (KIBO-style)",
        "agency": "KTGF",  # the guarantee agency guarantees the Korean bank's loan
        "banks": ["IBK"],
        "kind": ProgramKind.IP_GUARANTEED_LOAN,
        "country": "KR",
        "currency": "KRW",
        "min_amount": D("50000000"),
        "max_amount": D("2000000000"),
        "max_advance_rate": D("0.8"),
        "base_interest_rate": D("0.04"),
        "subsidised_interest_rate": D("0.03"),
        "guarantee_coverage_min": D("0.7"),
        "guarantee_coverage_max": D("0.85"),
        "guarantee_fee_min": D("0.005"),
        "guarantee_fee_max": D("0.03"),
        "valuation_subsidy_share": D("1.0"),
        "valuation_subsidy_cap": D("5000000"),
        "service_levels": {
            "screening": 3,
            "info_requested": 7,
            "valuation": 7,
            "credit_review": 5,
            "recommended": 3,
        },
        "accepted_ip_types": ["patent", "utility_model", "software"],
        "required_documents": ["Business registration certificate"],
        "budget_envelope": D("500000000000"),
        "valuation_budget": D("3000000000"),
        "company_exposure_ceiling": D("3000000000"),
        "annual_volume_target": D("2000000000"),
        "purpose": "The agency grades the technology, guarantees 70–85% of the bank loan for an annual fee of 0.5–3.0%, "
        "pays the bank on default and takes over the IP. Appraisal in about one week.",
        "who_can_apply": "Technology SMEs, including those with low credit grades.",
        "rules": [
            (RuleKind.COMPANY_SIZE, {"max_employees": 300}, "An SME: at most 300 employees."),
            (
                RuleKind.CREDIT_GRADE,
                {"allowed": ["A", "BBB", "BB", "B", "CCC"]},
                "Credit grades A to CCC are accepted.",
            ),
            (RuleKind.TECHNOLOGY_GRADE, {"min_grade": "BB"}, "The technology must be graded BB or better."),
            (RuleKind.IP_TYPES, {}, "Patents, utility models and software."),
        ],
        "max_term_months": 60,
        # (name, grades, growth group, terms from–to, coverage, fee): the published table, first match applies
        "tiers": [
            ("Grade A and better", ["AAA", "AA", "A"], "", 1, 60, "0.85", "0.005"),
            ("Grade BBB, high growth", ["BBB"], "high", 1, 60, "0.85", "0.008"),
            ("Grade BBB", ["BBB"], "", 1, 60, "0.80", "0.010"),
            ("Grade BB, up to 3 years", ["BB"], "", 1, 36, "0.75", "0.015"),
            ("Grade BB, longer", ["BB"], "", 37, 60, "0.70", "0.020"),
        ],
    },
    {
        "code": "HGIP",
        "name": "High Growth IP Loan (NatWest-style)",
        "agency": "KIPO",
        "banks": ["TGB"],
        "kind": ProgramKind.IP_COLLATERAL_LOAN,
        "country": "GB",
        "currency": "GBP",
        "min_amount": D("250000"),
        "max_amount": D("10000000"),
        "max_advance_rate": D("0.5"),
        "base_interest_rate": D("0.09"),
        "subsidised_interest_rate": D("0.09"),
        "valuation_subsidy_share": D("0"),
        "valuation_subsidy_cap": D("0"),
        "service_levels": {"screening": 10, "valuation": 21, "credit_review": 15, "recommended": 5},
        "accepted_ip_types": ["patent", "trademark", "software"],
        "required_documents": ["Management accounts", "IP schedule"],
        "budget_envelope": D("200000000"),
        "company_exposure_ceiling": D("10000000"),
        "annual_volume_target": D("2000000"),
        "purpose": "A loan secured on patents, trademarks and software, with a specialist valuer. Up to about 50% of "
        "the appraised IP value.",
        "who_can_apply": "UK companies growing revenue by at least 20% a year for three years.",
        "rules": [
            (
                RuleKind.REVENUE_GROWTH,
                {"min_rate": 0.2, "years": 3},
                "Revenue growth of at least 20% a year for 3 years.",
            ),
            (RuleKind.IP_TYPES, {}, "Patents, trademarks and software."),
        ],
    },
    {
        "code": "CNPL",
        "name": "IP Pledge Loan (China)",
        "agency": "KIPO",
        "banks": ["HZCB"],
        "kind": ProgramKind.IP_COLLATERAL_LOAN,
        "country": "CN",
        "currency": "CNY",
        "min_amount": D("500000"),
        "max_amount": D("10000000"),
        "max_advance_rate": D("0.4"),
        "base_interest_rate": D("0.045"),
        "subsidised_interest_rate": D("0.03"),
        "valuation_subsidy_share": D("0.5"),
        "valuation_subsidy_cap": D("20000"),
        "service_levels": {"screening": 7, "valuation": 14, "credit_review": 10, "recommended": 5},
        "accepted_ip_types": ["patent", "trademark"],
        "required_documents": ["Business licence"],
        "budget_envelope": D("500000000"),
        "valuation_budget": D("2000000"),
        "company_exposure_ceiling": D("10000000"),
        "annual_volume_target": D("20000000"),
        "purpose": "Bank loans secured on IP pledges registered with the IP office, with local-government interest "
        "subsidies and a risk-sharing guarantee fund. Most loans are below CNY 10 million.",
        "who_can_apply": "Chinese SMEs with granted patents or registered trademarks.",
        "pledge_registration_required": True,
        "rules": [
            (
                RuleKind.IP_REMAINING_LIFE,
                {"min_years": 2},
                "Pledged IP must have at least 2 years of life left.",
            ),
            (RuleKind.IP_TYPES, {}, "Patents and trademarks."),
        ],
    },
]


SEED_TABLE = "the market-size table of the seed article (loans and guarantees secured on IP)"
ILLUSTRATIVE = "illustrative demo figure"
# The Korean market's story: 2.64 T (2020), 2.28 T (2021), 2.64 T (2022) published; 2023 and the first half of 2024
# chosen so that the cumulative volume passes the reported KRW 10 T by mid-2024; the later figures are illustrative
# ("slower and patchier than the optimistic projections"). Target: KRW 20 T by 2026.
MARKET_VOLUMES = [
    (date(2020, 1, 1), date(2020, 12, 31), "2640000000000", SEED_TABLE),
    (date(2021, 1, 1), date(2021, 12, 31), "2280000000000", SEED_TABLE),
    (date(2022, 1, 1), date(2022, 12, 31), "2640000000000", SEED_TABLE),
    (
        date(2023, 1, 1),
        date(2023, 12, 31),
        "1700000000000",
        ILLUSTRATIVE + ": with H1 2024, over KRW 10 T by mid-2024",
    ),
    (
        date(2024, 1, 1),
        date(2024, 6, 30),
        "800000000000",
        ILLUSTRATIVE + ": with 2023, over KRW 10 T by mid-2024",
    ),
    (date(2024, 7, 1), date(2024, 12, 31), "1200000000000", ILLUSTRATIVE),
    (date(2025, 1, 1), date(2025, 12, 31), "2300000000000", ILLUSTRATIVE),
]


def seed_market():
    for start, end, amount, source in MARKET_VOLUMES:
        MarketVolume.objects.get_or_create(
            country="KR",
            period_start=start,
            defaults={"period_end": end, "amount": D(amount), "currency": "KRW", "source": source},
        )
    MarketTarget.objects.get_or_create(
        country="KR",
        name="KRW 20 T of IP finance by 2026",
        defaults={
            "amount": D("20000000000000"),
            "currency": "KRW",
            "due": date(2026, 12, 31),
            "source": "government target (seed article)",
        },
    )


def _parts(program, rules, tiers):
    for order, (kind, parameters, explanation) in enumerate(rules):
        EligibilityRule.objects.create(
            program=program, kind=kind, parameters=parameters, explanation=explanation, order=order
        )
    for order, (name, grades, growth, low, high, coverage, fee) in enumerate(tiers):
        GuaranteeTier.objects.create(
            program=program,
            name=name,
            grades=grades,
            growth_group=growth,
            min_term_months=low,
            max_term_months=high,
            coverage_ratio=D(coverage),
            fee_rate=D(fee),
            order=order,
        )


def _officer(agency):
    """The agency's demo case officer, None before accounts/demo.py ran."""
    return User.objects.filter(memberships__organization=agency, memberships__role=Role.CASE_OFFICER).first()


def seed(stdout):
    seed_market()
    for spec in PROGRAMS:
        spec = dict(spec)
        rules, tiers, banks = spec.pop("rules"), spec.pop("tiers", []), spec.pop("banks")
        agency = organization(spec.pop("agency"))
        program, created = Program.objects.get_or_create(
            code=spec["code"],
            defaults={**spec, "agency": agency, "is_published": True, "opens_on": date(2026, 1, 1)},
        )
        if created:
            _parts(program, rules, tiers)
            program.partner_lenders.add(*(organization(code) for code in banks))
            program.valuer_panel.add(organization("VALUE"))
            officer = _officer(agency)
            if officer:
                program.officers.add(officer)
    stdout.write(f"Programs: {', '.join(p['code'] for p in PROGRAMS)}\n")
