"""Signals of the agencies app, for the layers above it (agencies imports none of them).

``order_state_changed``: a new order version moved the order to another state (activate, suspend,
resume, terminate), sent inside the transaction that wrote the version, so a receiver's writes
commit with it or not at all. Arguments: ``order``, ``version`` (the new one), ``previous_state``,
``actor``. ``burgerprofiel.compliance.instructions`` notifies the agency of a suspension or
termination with its reason (charter 2.3).
"""

from __future__ import annotations

from django.dispatch import Signal

order_state_changed = Signal()
