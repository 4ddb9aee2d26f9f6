"""RFC 9162 hashing and proofs of svidok.audit.merkle, against hand-derived values and an
independent verifier written from the RFC (tests/audit/rfc9162.py)."""

import hashlib

import pytest

from svidok.audit import merkle
from tests.audit import rfc9162

# The eight leaf inputs of the Certificate Transparency reference test data (RFC 6962 / 9162 trees)
# and the published roots of their first n leaves.
CT_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def tree_of(entries):
    return merkle.Tree(b"".join(merkle.leaf_hash(e) for e in entries))


def test_leaf_and_node_hashes_carry_the_domain_prefixes():
    assert merkle.leaf_hash(b"abc") == sha(b"\x00abc")
    assert merkle.node_hash(b"L" * 32, b"R" * 32) == sha(b"\x01" + b"L" * 32 + b"R" * 32)


def test_empty_tree_root_is_the_hash_of_nothing():
    assert merkle.Tree(b"").root().hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_three_leaves_split_at_two_by_hand():
    a, b, c = (sha(b"\x00" + x) for x in (b"a", b"b", b"c"))
    assert tree_of([b"a", b"b", b"c"]).root() == sha(b"\x01" + sha(b"\x01" + a + b) + c)


def test_five_leaves_split_at_four_by_hand():
    h = [sha(b"\x00" + bytes([i])) for i in range(5)]
    left = sha(b"\x01" + sha(b"\x01" + h[0] + h[1]) + sha(b"\x01" + h[2] + h[3]))
    assert tree_of([bytes([i]) for i in range(5)]).root() == sha(b"\x01" + left + h[4])


@pytest.mark.parametrize("n", range(1, 9))
def test_roots_match_the_certificate_transparency_test_vectors(n):
    tree = tree_of(CT_LEAVES)
    assert tree.root(n).hex() == CT_ROOTS[n - 1]
    assert tree_of(CT_LEAVES[:n]).root().hex() == CT_ROOTS[n - 1]


def test_roots_match_the_recursive_definition_up_to_70_leaves():
    entries = [f"entry {i}".encode() for i in range(70)]
    tree = tree_of(entries)
    for n in range(71):
        assert tree.root(n) == rfc9162.mth(entries[:n]), n


def test_inclusion_proofs_verify_for_every_leaf_and_size_up_to_40():
    entries = [f"{{\"n\":{i}}}".encode() for i in range(40)]
    tree = tree_of(entries)
    for size in range(1, 41):
        root = rfc9162.mth(entries[:size])
        for index in range(size):
            path = tree.inclusion_path(index, size)
            assert rfc9162.verify_inclusion(index, size, rfc9162.leaf(entries[index]), path, root), (index, size)
            # The same path must not prove another entry, nor this one at another index.
            assert not rfc9162.verify_inclusion(index, size, rfc9162.leaf(b"forged"), path, root)
            if size > 1:
                assert not rfc9162.verify_inclusion((index + 1) % size, size, rfc9162.leaf(entries[index]), path, root)


def test_consistency_proofs_verify_for_every_pair_of_sizes_up_to_40():
    entries = [f"{{\"n\":{i}}}".encode() for i in range(40)]
    tree = tree_of(entries)
    roots = [rfc9162.mth(entries[:n]) for n in range(41)]
    for second in range(1, 41):
        for first in range(1, second + 1):
            proof = tree.consistency_proof(first, second)
            assert rfc9162.verify_consistency(first, second, roots[first], roots[second], proof), (first, second)
            if first < second:
                other = tree_of([*entries[:first - 1], b"changed", *entries[first:]])
                assert not rfc9162.verify_consistency(first, second, other.root(first), roots[second], proof)


def test_sizes_beyond_the_tree_are_refused():
    tree = tree_of([b"a", b"b"])
    with pytest.raises(ValueError):
        tree.root(3)
    with pytest.raises(ValueError):
        tree.inclusion_path(2, 2)
    with pytest.raises(ValueError):
        tree.consistency_proof(2, 1)
