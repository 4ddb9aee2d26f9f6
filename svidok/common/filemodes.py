"""Svidok's files are its own: 0600 files in 0700 directories.

The database (and SQLite's ``-wal``/``-shm``, which take the database's mode), key files, evidence,
exports and anything else Svidok writes hold victims' identities or the means to read them; no other
local account may read them. Every entry point (``svidok``, ``manage.py``, the WSGI/ASGI
applications) sets the umask first, so new files are private whatever the shell's umask was;
``svidok setup`` tightens what an older version, or a copy, left readable.
"""

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def make_private() -> None:
    """Files and directories this process creates from now on are readable by its own user only."""
    os.umask(PRIVATE_UMASK)


class SharedDirectory(Exception):
    """The directory holds files of another account: it is not Svidok's own, and is left as it is."""


def restrict_tree(root: Path) -> list[Path]:
    """Take group and other permissions off ``root`` and everything under it; the paths changed.

    Symbolic links are neither followed nor changed (their target may be anybody's file). A tree
    holding anything owned by an account that is neither this process's nor the directory's owner
    is not Svidok's alone (``SVIDOK_VAR_DIR=/var/lib`` by mistake): nothing is changed and
    ``SharedDirectory`` names the first such entry.
    """
    root = Path(root)
    if root.is_symlink() or not root.is_dir():
        return []
    ours = {os.getuid(), root.stat().st_uid}
    found = [(root, root.lstat())]
    for directory, subdirectories, files in os.walk(root):
        for name in [*subdirectories, *files]:
            path = Path(directory, name)
            try:
                found.append((path, path.lstat()))
            except FileNotFoundError:
                continue  # removed meanwhile (SQLite's -shm when the last connection closes)
    for path, info in found:
        if not stat.S_ISLNK(info.st_mode) and info.st_uid not in ours:
            raise SharedDirectory(path)
    changed = []
    for path, info in found:
        if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
            continue  # only the owner (or root) may change a file's mode
        mode = stat.S_IMODE(info.st_mode)
        wanted = mode & ~0o077 | (0o700 if stat.S_ISDIR(info.st_mode) else 0)
        if wanted != mode:
            os.chmod(path, wanted)
            changed.append(path)
    return changed
