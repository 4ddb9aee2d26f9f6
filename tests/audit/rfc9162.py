"""An RFC 9162 verifier written from the RFC's text, independent of svidok.audit.merkle.

MTH is the recursive definition of §2.1.1; verify_inclusion follows §2.1.3.2 step by step and
verify_consistency §2.1.4.2. Nothing here is shared with the code under test.
"""

import hashlib


def HASH(data: bytes) -> bytes:  # noqa: N802 (the RFC's name)
    return hashlib.sha256(data).digest()


def leaf(d: bytes) -> bytes:
    return HASH(b"\x00" + d)


def mth(entries: list[bytes]) -> bytes:
    """§2.1.1: MTH({}) = HASH(); MTH({d0}) = HASH(0x00 || d0); otherwise split at the largest
    power of two smaller than n."""
    n = len(entries)
    if n == 0:
        return HASH(b"")
    if n == 1:
        return leaf(entries[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return HASH(b"\x01" + mth(entries[:k]) + mth(entries[k:]))


def verify_inclusion(leaf_index: int, tree_size: int, leaf_hash: bytes, inclusion_path: list[bytes],
                     root_hash: bytes) -> bool:
    """§2.1.3.2."""
    if leaf_index >= tree_size:
        return False
    fn, sn, r = leaf_index, tree_size - 1, leaf_hash
    for p in inclusion_path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = HASH(b"\x01" + p + r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = HASH(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(first: int, second: int, first_hash: bytes, second_hash: bytes,
                       consistency_path: list[bytes]) -> bool:
    """§2.1.4.2 (for 0 < first < second; equal sizes need equal roots and an empty proof)."""
    if first == second:
        return first_hash == second_hash and not consistency_path
    if not consistency_path or not 0 < first < second:
        return False
    path = list(consistency_path)
    if first & (first - 1) == 0:  # step 2: first is an exact power of 2
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = HASH(b"\x01" + c + fr)
            sr = HASH(b"\x01" + c + sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = HASH(b"\x01" + sr + c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0
