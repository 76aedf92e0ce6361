"""The IP asset's encumbrance: its lifecycle table and the one service that moves it.

Facilities pledge and release an asset; recoveries take it over (claim paid) and dispose of it (disposal closed).
They ask here; nobody writes ``IPAsset.encumbrance`` directly. The callers record the events (the pledge, the
claim payment, the disposal's close name the assets).
"""

from accounts.roles import AGENCY_ROLES, Role
from core.transitions import Move, Table, move

from .models import Encumbrance, IPAsset

_E = Encumbrance
_CHECKER = frozenset({Role.APPROVER})

TRANSITIONS = Table(
    "ip_asset_encumbrance",
    [
        Move(_E.FREE, "pledge", _E.PLEDGED, frozenset(AGENCY_ROLES)),
        Move(_E.PLEDGED, "release", _E.FREE, frozenset({Role.LENDER_OFFICER, *AGENCY_ROLES})),
        Move(_E.PLEDGED, "take_over", _E.TAKEN_OVER, _CHECKER, second_person=True),
        Move(_E.PLEDGED, "dispose", _E.DISPOSED, _CHECKER, second_person=True),
        Move(_E.TAKEN_OVER, "dispose", _E.DISPOSED, _CHECKER, second_person=True),
    ],
)


def ip_asset_encumbrance_move(*, asset: IPAsset, action: str, actor, maker=None) -> IPAsset:
    """Move the asset's encumbrance by ``action`` (pledge, release, take_over, dispose) under ``TRANSITIONS``.
    Raises IllegalTransition (not from its current encumbrance) or PermissionRefused."""
    return move(
        obj=asset, table=TRANSITIONS, action=action, actor=actor, maker=maker, state_field="encumbrance"
    )
