"""Bootstrap-styled, accessible form fields without a form library.

``{% form_field field %}`` renders the label, the widget (with Bootstrap
classes, ``aria-invalid`` and ``aria-describedby`` pointing at the errors and
help text), the help text and the errors. ``{% form_fields form %}`` renders
every visible field plus the hidden ones and the non-field errors.
"""

from decimal import Decimal, InvalidOperation

from django import forms, template

register = template.Library()

CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


def _widget_class(field):
    widget = field.field.widget
    if isinstance(widget, CHECK_WIDGETS):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


@register.inclusion_tag("_partials/form_field.html")
def form_field(field):
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-help")
    if field.errors:
        described.append(f"{field.auto_id}-errors")
    css = _widget_class(field) + (" is-invalid" if field.errors else "")
    attrs = {"class": f"{field.field.widget.attrs.get('class', '')} {css}".strip()}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        # One Bootstrap form-check per option (each option is its own labelled input).
        widget.attrs["class"] = "form-check-input" + (" is-invalid" if field.errors else "")
        return {"field": field, "options": list(field), "described": " ".join(described)}
    return {
        "field": field,
        "widget": _widget_html(field, attrs),
        "is_check": isinstance(widget, forms.CheckboxInput),
    }


def _whole(value):
    """Decimal('200000000.00') -> '200000000': an amount is shown as people write it (KRW and JPY have no minor
    unit; a whole GBP amount needs no '.00' either). Anything else is returned unchanged."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value
    if amount.is_finite() and amount == amount.to_integral_value():
        return str(amount.quantize(Decimal(1)))
    return value


def _widget_html(field, attrs):
    """The widget; an unbound decimal field shows its initial value without a zero fraction. What the user typed
    (a bound form) is shown exactly as typed."""
    if not isinstance(field.field, forms.DecimalField) or field.form.is_bound or field.value() in (None, ""):
        return field.as_widget(attrs=attrs)
    widget = field.field.widget
    final = field.build_widget_attrs(attrs, widget)
    if field.auto_id and "id" not in widget.attrs:
        final.setdefault("id", field.auto_id)
    return widget.render(
        name=field.html_name, value=_whole(field.value()), attrs=final, renderer=field.form.renderer
    )


@register.inclusion_tag("_partials/form_fields.html")
def form_fields(form):
    return {"form": form}
