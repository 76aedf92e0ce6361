from . import program  # noqa: F401  (registers the program dashboard report kind)
