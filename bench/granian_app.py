"""icskg's Flask app as a module-level WSGI callable, for granian (:mod:`bench.http_servers`).

Each granian worker imports this module, so each builds its own app and opens its own store
(settings from ``ICSKG_*``, as under gunicorn); query processes start on the first query.
"""

from icskg.web import create_app

app = create_app()
