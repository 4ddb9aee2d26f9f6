"""Fixtures of the evidence tests: every test gets its own evidence storage in a temporary directory."""

import pytest


def local_storage(location) -> dict:
    return {"BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700}}


@pytest.fixture(autouse=True)
def vault(settings, tmp_path):
    """The evidence storage of this test: a fresh directory (setting STORAGES resets Django's storages)."""
    location = tmp_path / "evidence"
    settings.STORAGES = {**settings.STORAGES, "evidence": local_storage(location)}
    return location


def stored_files(location) -> list[str]:
    """Every file in the storage directory, relative to it, sorted."""
    if not location.exists():
        return []
    return sorted(str(p.relative_to(location)) for p in location.rglob("*") if p.is_file())
