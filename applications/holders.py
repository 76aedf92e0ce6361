"""Who holds an IP asset: the SME, then the agency after a takeover, then the buyer or licensee after a disposal.

The recoveries services call ``ip_asset_holder_move``; nothing else writes ``IPHolding``."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import InvalidInput

from .models import HolderEvent, IPAsset, IPHolding


def _first_holding(asset: IPAsset) -> IPHolding:
    """The SME that recorded the asset, from the day it was recorded."""
    return IPHolding(
        asset=asset,
        holder_name=asset.company.legal_name,
        holder_organization_id=asset.company.organization_id,
        event=HolderEvent.OWNER,
        since=timezone.localdate(asset.created_at) if asset.created_at else timezone.localdate(),
    )


@transaction.atomic
def ip_asset_holder_move(
    *,
    asset: IPAsset,
    holder_name: str,
    event: str,
    on: date,
    actor=None,
    organization=None,
    reference: str = "",
) -> IPHolding:
    """Record that ``holder_name`` holds ``asset`` from ``on`` because of ``event`` (takeover, sale, licence).

    The first move also records the SME as the holder before it. Raises InvalidInput for an unknown event."""
    if event not in HolderEvent.values or event == HolderEvent.OWNER:
        raise InvalidInput(_("Unknown holder event."), code="holder_event")
    locked = IPAsset.objects.select_for_update().select_related("company__organization").get(pk=asset.pk)
    if not locked.holdings.exists():
        first = _first_holding(locked)
        first.since = min(first.since, on)
        first.save()
    holding = IPHolding.objects.create(
        asset=locked,
        holder_name=holder_name[:200],
        holder_organization=organization,
        event=event,
        since=on,
        reference=reference[:100],
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="ip_asset.holder_moved",
        target=locked,
        organization=organization,
        details={"holder": holding.holder_name, "event": event, "on": on, "reference": reference},
    )
    return holding


def ip_asset_holders(*, asset: IPAsset) -> list[IPHolding]:
    """The asset's holders, oldest first; an asset that never changed hands is held by its SME."""
    holdings = sorted(asset.holdings.all(), key=lambda h: (h.since, h.pk))  # the prefetch, when there is one
    return holdings or [_first_holding(asset)]


def ip_asset_taken_over(*, asset: IPAsset, facility, actor) -> IPHolding:
    """The program's agency takes the pledged IP over when it pays the guarantee claim (called by recoveries)."""
    agency = facility.application.program.agency
    return ip_asset_holder_move(
        asset=asset,
        holder_name=agency.name,
        organization=agency,
        event=HolderEvent.TAKEOVER,
        on=timezone.localdate(),
        reference=facility.application.reference,
        actor=actor,
    )


def ip_asset_disposed(*, asset: IPAsset, disposal, actor) -> IPHolding | None:
    """The winning bidder holds the IP once the disposal closes: bought, or licensed on the licence channel (called
    by recoveries). A disposal closed without an awarded bid moves nothing."""
    bid = disposal.awarded_bid
    if bid is None:
        return None
    buyer = bid.buyer.organization if bid.buyer_id else None
    return ip_asset_holder_move(
        asset=asset,
        holder_name=bid.bidder,
        organization=buyer,
        event=HolderEvent.LICENCE if disposal.channel == "licence" else HolderEvent.SALE,
        on=timezone.localdate(),  # the day the disposal closes
        reference=f"{disposal.facility.application.reference} #{disposal.pk}",
        actor=actor,
    )
