"""Discovery of the modules that apps contribute by convention (``nav``, ``panels``, ``demo``, ``reports``...).

The shell, the case page, the demo loader and the report registry each ask for one module name; the apps that
have such a module take part, in ``INSTALLED_APPS`` order, without the core knowing them.
"""

from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.utils.module_loading import module_has_submodule


def app_modules(module_name: str) -> list[ModuleType]:
    """``<app>.<module_name>`` of every installed app that has one, in ``INSTALLED_APPS`` order."""
    return [
        import_module(f"{config.name}.{module_name}")
        for config in apps.get_app_configs()
        if module_has_submodule(config.module, module_name)
    ]
