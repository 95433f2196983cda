"""Fakes of the outside parties the payments capability talks to (tests and ``make run`` only)."""
