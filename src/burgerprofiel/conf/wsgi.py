import os

import django
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "burgerprofiel.conf.settings")
django.setup(set_prefix=False)  # as django.core.wsgi.get_wsgi_application

from burgerprofiel.conf.middleware import ApiChainsMixin  # noqa: E402 (needs the apps loaded)


class Application(ApiChainsMixin, WSGIHandler):
    """Django's WSGI handler, with the agency API's shorter middleware chain (``conf.middleware``)."""


application = Application()
