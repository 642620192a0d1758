import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

DRAIN_CHUNK = 256 * 1024


def drain_unread_body(app):
    """Read and discard whatever a view left unread of the request body (an early 4xx: bad
    credentials, a NUL in the query, a wrong Content-Type…) before the response goes out. gunicorn
    drains at most 64 KB itself and then closes the connection it has just answered as keep-alive,
    so a client's next request on it would fail with "connection closed without response". Bodies
    over the request size limit are not read (their 413 says so)."""
    def wrapped(environ, start_response):
        result = app(environ, start_response)
        stream = environ.get("wsgi.input")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        from django.conf import settings

        limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 256 * 1024 * 1024)
        if stream is not None and 0 < length <= limit:
            try:
                while stream.read(DRAIN_CHUNK):
                    pass
            except Exception:  # noqa: BLE001 - a client gone mid-body: nothing left to protect
                pass
        return result

    return wrapped


application = drain_unread_body(get_wsgi_application())
