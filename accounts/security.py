def axes_username(request, credentials):
    """The login name django-axes counts failures against.

    allauth authenticates with ``email=``; the admin with ``username=``; a form
    post carries ``login``. Lower-cased so that case changes do not reset the count.
    """
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None:
        value = request.POST.get("login") or request.POST.get("username")
    return (value or "").strip().lower()
