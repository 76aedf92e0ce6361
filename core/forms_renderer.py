"""The form renderer of every form: Django's own widget templates through Jinja2 (several times faster: the queue's
filters render hundreds of <option>s), and any template Jinja2 does not have (the admin's widgets such as
``admin/widgets/related_widget_wrapper.html``, a project's own widget) through a Django template engine that sees
Django's form templates, the apps' templates and the project's ``templates/``. Jinja2 alone answered
TemplateDoesNotExist (500) on every admin add and change page."""

from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import BaseRenderer, Jinja2
from django.template import TemplateDoesNotExist
from django.template.backends.django import DjangoTemplates
from django.utils.functional import cached_property


class JinjaFirstRenderer(BaseRenderer):
    def __init__(self):
        self.fast = Jinja2()

    @cached_property
    def fallback(self):
        # The admin's templates include Django's widget templates ({% include "django/forms/widgets/input.html" %}),
        # so this engine must see django/forms/templates as well as the apps' and the project's folders.
        project_dirs = [folder for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])]
        return DjangoTemplates(
            {
                "APP_DIRS": True,
                "DIRS": [Path(django.forms.__file__).parent / "templates", *project_dirs],
                "NAME": "ipfin-forms",
                "OPTIONS": {},
            }
        )

    def get_template(self, template_name):
        try:
            return self.fast.get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
