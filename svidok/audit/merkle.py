"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0), §2.1: hashes, tree heads, proofs.

Pure functions over leaf hashes; no database. ``Tree`` keeps every level of the tree as one
``bytearray`` of concatenated 32-byte digests (no Python object per node), so a million leaves
cost 64 MB and one pass of ``hashlib`` per node.

The levels are built bottom-up pairing neighbours and carrying an odd last node up unchanged.
For the first n leaves this gives the same root as the RFC's recursive MTH (split at the largest
power of two smaller than n): both trees are "left-balanced", every perfect subtree of size 2^k
starting at a multiple of 2^k is the same node in both.
"""

from hashlib import sha256

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry)."""
    return sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Tree:
    """Every level of the tree over ``leaves`` (a bytes-like of concatenated 32-byte leaf hashes).

    ``root(m)``, ``inclusion_path(i, m)`` and ``consistency_proof(m, n)`` answer for any prefix
    size m up to ``size`` in O(log² m) digests, from the perfect subtrees kept in the levels.
    """

    def __init__(self, leaves: bytes | bytearray):
        if len(leaves) % HASH_SIZE:
            raise ValueError("leaf hashes must be 32 bytes each")
        self.size = len(leaves) // HASH_SIZE
        level = bytearray(leaves)
        self.levels = [level]
        while len(level) > HASH_SIZE:
            nxt = bytearray()
            append = nxt.extend
            end = len(level) - len(level) % (2 * HASH_SIZE)
            for i in range(0, end, 2 * HASH_SIZE):
                append(sha256(NODE_PREFIX + level[i:i + 2 * HASH_SIZE]).digest())
            if end != len(level):  # an odd last node goes up unchanged (it is not a perfect subtree)
                append(level[end:])
            self.levels.append(nxt)
            level = nxt

    def leaf(self, index: int) -> bytes:
        return bytes(self.levels[0][index * HASH_SIZE:(index + 1) * HASH_SIZE])

    def subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for 0 <= start < end <= size."""
        width = end - start
        if width & (width - 1) == 0 and start % width == 0:
            k = width.bit_length() - 1
            j = start >> k
            return bytes(self.levels[k][j * HASH_SIZE:(j + 1) * HASH_SIZE])
        k = _split(width)
        return node_hash(self.subtree(start, start + k), self.subtree(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (all by default); SHA-256 of nothing for an empty tree."""
        size = self.size if size is None else size
        self._check_size(size)
        return EMPTY_ROOT if size == 0 else self.subtree(0, size)

    def inclusion_path(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf to root."""
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a tree of {size}")
        path = []
        start, end = 0, size
        # The recursion of §2.1.3.1 walked top-down; the siblings are collected and reversed.
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                path.append(self.subtree(start + k, end))
                end = start + k
            else:
                path.append(self.subtree(start, start + k))
                start += k
        return path[::-1]

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1; empty when size1 is 0 or equals size2."""
        size2 = self.size if size2 is None else size2
        self._check_size(size2)
        if not 0 <= size1 <= size2:
            raise ValueError(f"cannot prove {size1} consistent with {size2}")
        if size1 == 0 or size1 == size2:
            return []
        return self._subproof(size1, 0, size2, True)

    def _subproof(self, m: int, start: int, end: int, complete: bool) -> list[bytes]:
        # SUBPROOF(m, D[start:end], b) with m counted from ``start``.
        n = end - start
        if m == n:
            return [] if complete else [self.subtree(start, end)]
        k = _split(n)
        if m <= k:
            return self._subproof(m, start, start + k, complete) + [self.subtree(start + k, end)]
        return self._subproof(m - k, start + k, end, False) + [self.subtree(start, start + k)]

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"the tree has {self.size} leaves, not {size}")
