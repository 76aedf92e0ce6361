"""One form renderer for every form: Django's widget templates through Jinja2 (the queue's fast path), the admin's
own widget templates through Django's engine (a Jinja2-only renderer made every admin add/change page a 500)."""

from django import forms
from django.forms.renderers import get_default_renderer
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as JinjaTemplate

from core.forms_renderer import JinjaFirstRenderer


def test_the_project_renders_forms_with_the_jinja_first_renderer():
    assert isinstance(get_default_renderer(), JinjaFirstRenderer)


def test_djangos_widget_templates_come_from_jinja2():
    renderer = JinjaFirstRenderer()
    for name in (
        "django/forms/widgets/select.html",
        "django/forms/widgets/input.html",
        "django/forms/div.html",
    ):
        assert isinstance(renderer.get_template(name), JinjaTemplate), name


def test_the_admins_widget_templates_come_from_djangos_engine_and_render():
    renderer = JinjaFirstRenderer()
    template = renderer.get_template("admin/widgets/related_widget_wrapper.html")
    assert isinstance(template, DjangoTemplate)
    html = renderer.render("admin/widgets/split_datetime.html", {"widget": _split_widget_context()})
    assert 'type="text"' in html  # the admin template includes Django's input.html: found by the fallback


def _split_widget_context():
    widget = forms.SplitDateTimeWidget()
    return widget.get_context("when", None, {"id": "id_when"})["widget"]
