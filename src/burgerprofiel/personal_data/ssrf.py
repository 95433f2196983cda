"""Moved to ``burgerprofiel.common.outbound`` (webhooks, below personal_data, need the guard too).

Kept only for ``personal_data/admin.py``, which another branch moves into ``backoffice/admin/``:
delete this module once that move imports ``common.outbound`` directly.
"""

from burgerprofiel.common.outbound import UnsafeUrl, url_check

__all__ = ["UnsafeUrl", "url_check"]
