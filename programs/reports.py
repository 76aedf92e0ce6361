from . import dashboard  # noqa: F401  (registers the program dashboard report kind)
