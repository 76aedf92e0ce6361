"""The role-dependent navigation.

Each app may declare ``ITEMS`` in its own ``nav.py``; the shell shows a user
the items for the roles they hold, in ``order``. Adding a page to the menu is
a line in the owning app, never an edit of the base template. ``menu`` says
where the item goes: ``"main"`` (the pages of the user's work, in the bar) or
``"account"`` (the user's own pages, under their name beside "Sign out").
"""

from dataclasses import dataclass
from functools import cache, lru_cache

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from core.discovery import app_modules


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset
    order: int = 100
    menu: str = "main"


@cache
def all_items():
    items = [item for module in app_modules("nav") for item in module.ITEMS]
    return sorted(items, key=lambda item: item.order)


def items_for(roles):
    """The menu of a user holding ``roles``. The same for everyone with the same roles, so it is built once per set
    of roles (and URLconf and script prefix, which decide what ``reverse`` answers) and shared: every page and each
    panel rendered with the request used to reverse every item again. The labels stay lazy: translated when shown."""
    return list(_items_for(frozenset(roles), get_urlconf(), get_script_prefix()))


@lru_cache(maxsize=256)
def _items_for(roles, urlconf, prefix):
    visible = []
    for item in all_items():
        if roles & item.roles:
            try:
                visible.append(
                    {
                        "label": item.label,
                        "url": reverse(item.url_name),
                        "url_name": item.url_name,
                        "menu": item.menu,
                    }
                )
            except NoReverseMatch:
                continue
    return tuple(visible)
