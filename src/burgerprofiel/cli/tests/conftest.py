"""The DOSIS fixtures (a Bron, a bearer token, the upload call) for the ``dosis`` command's tests."""

from burgerprofiel.dossiers.tests.conftest import agency_headers, source, upload

__all__ = ["agency_headers", "source", "upload"]
