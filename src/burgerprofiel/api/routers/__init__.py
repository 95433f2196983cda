"""The agency API's routers, one module per capability (mounted in ``api/api.py``)."""
