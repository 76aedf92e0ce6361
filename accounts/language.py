"""The user's language: kept on the user when they switch the site's language, so that emails and notifications
(written later, for them, by others' actions) are in it."""

from django.conf import settings
from django.views.i18n import set_language as django_set_language

from .models import User


def set_language(request):
    """Django's ``set_language`` (cookie and redirect), which also stores a signed-in user's choice."""
    response = django_set_language(request)
    chosen = request.POST.get("language") if request.method == "POST" else None
    user = request.user
    if user.is_authenticated and chosen in dict(settings.LANGUAGES) and user.language != chosen:
        User.objects.filter(pk=user.pk).update(language=chosen)
    return response


def remember_signup_language(request, user, **kwargs):
    """Someone who signs up reading the site in Korean gets their emails in Korean."""
    chosen = getattr(request, "LANGUAGE_CODE", None) if request is not None else None
    if chosen in dict(settings.LANGUAGES) and user.language != chosen:
        User.objects.filter(pk=user.pk).update(language=chosen)
        user.language = chosen
