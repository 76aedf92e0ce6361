import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# The web process's garbage collector. Each page allocates tens of thousands of objects (querysets, forms, template
# nodes); with Python's default threshold (700) the young generation is collected about three times a page and the
# old one, holding all of Django's and the project's modules, every few dozen pages: 3 ms of a case page's CPU.
# What the import loaded lives as long as the process: frozen, it is never scanned again; and the young generation
# is collected after 10,000 allocations instead of 700. Measured on the case page (in-process, 120 pages): the
# collector's time 2.95 -> 0.84 ms a page, peak RSS unchanged (170 MB); through gunicorn (closed loop of 8,
# interleaved, load average 13-17) 12-22 % fewer CPU ms a request.
gc.freeze()
gc.set_threshold(10_000, 10, 10)
