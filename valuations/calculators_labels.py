"""The labels of the calculators' named parts (cost steps, scorecard areas and indicators), in the reader's
language; the calculators themselves keep plain English keys."""

from django.utils.translation import gettext_lazy as _

STEP_LABELS = {
    "reproduction cost": _("Reproduction cost"),
    "physical obsolescence": _("Physical obsolescence"),
    "functional obsolescence": _("Functional obsolescence"),
    "economic obsolescence": _("Economic obsolescence"),
}
AREA_LABELS = {
    "legal": _("Legal"),
    "technology": _("Technology"),
    "market": _("Marketability"),
    "finance": _("Finance"),
    "strategy": _("Strategy"),
}
INDICATOR_LABELS = {
    "validity": _("Validity"),
    "scope of protection": _("Scope of protection"),
    "geographical coverage": _("Geographical coverage"),
    "remaining life": _("Remaining life"),
    "freedom to operate": _("Freedom to operate"),
    "infringement detectability": _("Infringement detectability"),
    "technical maturity": _("Technical maturity"),
    "ease of design-around": _("Ease of design-around"),
    "dependence on other IP": _("Dependence on other IP"),
    "alternative technologies": _("Alternative technologies"),
    "technological progress": _("Technological progress"),
    "breadth of use": _("Breadth of use"),
    "market size": _("Market size"),
    "market growth": _("Market growth"),
    "competitive position": _("Competitive position"),
    "customer need": _("Customer need"),
    "entry barriers": _("Entry barriers"),
    "licensing interest": _("Licensing interest"),
    "revenue from the IP": _("Revenue from the IP"),
    "margin contribution": _("Margin contribution"),
    "cost to maintain": _("Cost to maintain"),
    "cash-flow horizon": _("Cash-flow horizon"),
    "financing need covered": _("Financing need covered"),
    "fit with the business plan": _("Fit with the business plan"),
    "management capability": _("Management capability"),
    "R&D pipeline": _("R&D pipeline"),
    "partnerships": _("Partnerships"),
    "exit or licensing options": _("Exit or licensing options"),
    "strategic importance": _("Strategic importance"),
}
