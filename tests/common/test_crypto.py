"""The identity vault's ciphers and keys (svidok.common.crypto)."""

import base64
import stat

import pytest

from svidok.common import crypto


@pytest.fixture
def key_file(tmp_path, settings, monkeypatch):
    """A key file of this test's own (none written yet), no key in the environment."""
    monkeypatch.delenv(crypto.ENV_VAR, raising=False)
    settings.SVIDOK_IDENTITY_KEY_FILE = tmp_path / "keys" / "identity.key"
    return settings.SVIDOK_IDENTITY_KEY_FILE


def test_seal_opens_in_its_place_only():
    token = crypto.seal("Ірина Коваленко", "people_personidentity.full_name.7")
    assert crypto.open_sealed(token, "people_personidentity.full_name.7") == "Ірина Коваленко"
    # Moved to another person's row, or to another column, it no longer opens.
    for elsewhere in ("people_personidentity.full_name.8", "people_personidentity.address.7"):
        with pytest.raises(crypto.VaultError, match="does not open"):
            crypto.open_sealed(token, elsewhere)


def test_seal_uses_a_fresh_nonce_and_names_its_key():
    first, second = (crypto.seal("+380 00 000 0000", "t.c.1") for _ in range(2))
    prefix, kid, body = first.split(":")
    assert (prefix, kid, len(base64.urlsafe_b64decode(body)), first != second) == ("sv1", crypto.keyring().current.kid, 12 + 16 + 16, True)


def test_altered_value_does_not_open():
    token = crypto.seal("Kovalenko", "t.c.1")
    raw = bytearray(base64.urlsafe_b64decode(token.split(":")[2]))
    raw[-1] ^= 1
    altered = ":".join(token.split(":")[:2] + [base64.urlsafe_b64encode(bytes(raw)).decode()])
    with pytest.raises(crypto.VaultError, match="does not open"):
        crypto.open_sealed(altered, "t.c.1")


def test_plaintext_is_never_taken_for_a_sealed_value():
    with pytest.raises(crypto.VaultError, match="is not sealed"):
        crypto.open_sealed("Ірина Коваленко", "t.c.1")


def test_empty_and_null_stay_as_they_are():
    assert [crypto.seal(None, "t.c.1"), crypto.seal("", "t.c.1"), crypto.open_sealed(None, "t.c.1")] == [None, "", None]


def test_missing_key_is_a_clear_error(key_file):
    with pytest.raises(crypto.KeyMissing, match="svidok keys init"):
        crypto.seal("Kovalenko", "t.c.1")


def test_value_of_an_unknown_key_is_a_clear_error(key_file):
    token = crypto.seal("Kovalenko", "t.c.1", key=crypto.Key.generate())
    crypto.write_key_file([crypto.Key.generate()], replace=False)
    with pytest.raises(crypto.KeyMissing, match="is not configured"):
        crypto.open_sealed(token, "t.c.1")


def test_key_file_is_0600_in_a_0700_directory(key_file):
    crypto.write_key_file([crypto.Key.generate()], replace=False)
    modes = (stat.S_IMODE(key_file.stat().st_mode), stat.S_IMODE(key_file.parent.stat().st_mode))
    assert modes == (0o600, 0o700)


def test_key_file_is_never_overwritten_by_a_new_key(key_file):
    crypto.write_key_file([crypto.Key.generate()], replace=False)
    with pytest.raises(crypto.VaultError, match="exists already"):
        crypto.write_key_file([crypto.Key.generate()], replace=False)


def test_key_from_the_environment_comes_first(key_file, monkeypatch):
    key = crypto.Key.generate()
    monkeypatch.setenv(crypto.ENV_VAR, key.encoded())
    assert (crypto.keyring().current.kid, crypto.keyring().source) == (key.kid, crypto.ENV_VAR)


@pytest.mark.parametrize(("text", "message"), [
    ("not base64!", "Identity key 1 in SVIDOK_IDENTITY_KEY is not base64."),
    (base64.b64encode(b"short").decode(), "Identity key 1 in SVIDOK_IDENTITY_KEY is 5 bytes long, not 32."),
])
def test_bad_key_in_the_environment_is_named(key_file, monkeypatch, text, message):
    monkeypatch.setenv(crypto.ENV_VAR, text)
    with pytest.raises(crypto.VaultError) as error:
        crypto.keyring()
    assert str(error.value) == message


def test_blind_index_digest_depends_on_the_key():
    one, other = crypto.Key.generate(), crypto.Key.generate()
    assert (crypto.blind("kavalanka", key=one) == crypto.blind("kavalanka", key=one),
            crypto.blind("kavalanka", key=one) == crypto.blind("kavalanka", key=other)) == (True, False)


def test_key_file_readable_by_others_is_refused(key_file):
    crypto.write_key_file([crypto.Key.generate()], replace=False)
    key_file.chmod(0o644)
    with pytest.raises(crypto.VaultError) as error:
        crypto.keyring()
    assert str(error.value) == (f"The identity key file {key_file} can be read by other users (mode 644): "
                                "make it readable by its owner only (chmod 600).")
