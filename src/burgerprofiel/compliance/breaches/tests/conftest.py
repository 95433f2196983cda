from burgerprofiel.compliance.notices.tests.conftest import smtp_server, tenant_a, tenant_b

__all__ = ["smtp_server", "tenant_a", "tenant_b"]
