import pytest


@pytest.fixture(autouse=True)
def _audit_keys(settings, tmp_path):
    """Each test signs with its own key files (rotation must not leak into other tests)."""
    settings.SVIDOK_AUDIT_KEY = tmp_path / "audit" / "signing-key.pem"
    settings.SVIDOK_AUDIT_PUBLIC_KEYS = tmp_path / "audit" / "public-keys"
