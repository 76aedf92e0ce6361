"""Reads of valuations for other apps.

``accepted_valuation_total`` is the interface the credit review uses for
"advance rate × accepted value"; the valuations issue implements it.
"""


def accepted_valuation_total(*, application):
    """Sum of the accepted, still-valid valuation values of the case's IP assets, or None if there is none yet."""
    return None
