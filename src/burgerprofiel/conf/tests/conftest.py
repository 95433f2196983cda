"""Fixtures the operations tests borrow from the capabilities' own tests."""

from burgerprofiel.personal_data.tests.conftest import demo  # noqa: F401 (a fixture: "Uw gegevens" sources)
