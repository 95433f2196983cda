from burgerprofiel.personal_data.tests.conftest import demo

__all__ = ["demo"]
