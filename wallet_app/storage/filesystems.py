"""Where a SQLite file may live (SECURITY.md J8): never on a network filesystem.

SQLite's write-ahead log keeps its index in shared memory that only processes of one host can share, and the locks
of NFS, SMB/CIFS, Lustre and their kin do not hold what SQLite needs; two desktops on one share corrupt the file.
A team shares a PostgreSQL server instead. On Linux the filesystem type of a path's mount comes from
/proc/self/mounts; elsewhere only a Windows UNC path (\\\\server\\share) is recognised.
"""

from __future__ import annotations

import os
from pathlib import Path

from wallet_app.errors import StorageOnNetworkFilesystem

MOUNTS = Path("/proc/self/mounts")

# Filesystem types (the third field of /proc/self/mounts) whose files other hosts also write.
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "lustre", "ceph", "glusterfs", "fuse.glusterfs", "fuse.sshfs",
    "fuse.cephfs", "afs", "gpfs", "beegfs", "ocfs2", "gfs2", "davfs", "fuse.davfs2", "fuse.s3fs", "fuse.rclone",
})


def _unescape(field: str) -> str:
    # The kernel writes a space, tab, newline and backslash of a mount point as \040, \011, \012 and \134.
    out, i = [], 0
    while i < len(field):
        digits = field[i + 1:i + 4]
        if field[i] == "\\" and len(digits) == 3 and all(c in "01234567" for c in digits):
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, filesystem type) of each line of a mounts table, in order."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            mounts.append((_unescape(fields[1]), fields[2]))
    return mounts


def filesystem_type(path: str | Path, mounts_text: str) -> str | None:
    """The filesystem type of the mount holding `path` (absolute, symlinks resolved), or None if no entry holds it.

    The longest mount point containing the path wins; of two entries for one mount point, the later one (mounted
    over the earlier)."""
    target = str(path)
    best: tuple[int, str] | None = None
    for point, fstype in parse_mounts(mounts_text):
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= best[0]):
            best = (len(point), fstype)
    return None if best is None else best[1]


def is_network_filesystem(fstype: str) -> bool:
    return fstype in NETWORK_FILESYSTEMS or fstype.startswith(("nfs", "smb"))


def read_mounts() -> str | None:
    try:
        return MOUNTS.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None  # not Linux (or no /proc): nothing to check against


def check_local_path(path: Path, *, mounts_text: str | None = None) -> None:
    """Raise StorageOnNetworkFilesystem when the SQLite file at `path` (which need not exist yet) is on a share."""
    resolved = os.path.realpath(path)
    if os.name == "nt" and _is_unc(resolved):
        raise _refusal(path, "a Windows share")
    text = read_mounts() if mounts_text is None else mounts_text
    if text is None:
        return
    fstype = filesystem_type(resolved, text)
    if fstype is not None and is_network_filesystem(fstype):
        raise _refusal(path, f"a network filesystem ({fstype[:30]})")


def _is_unc(path: str) -> bool:
    if path.startswith("\\\\?\\UNC\\"):
        return True
    return path.startswith("\\\\") and not path.startswith(("\\\\?\\", "\\\\.\\"))


def _refusal(path: Path, where: str) -> StorageOnNetworkFilesystem:
    return StorageOnNetworkFilesystem(
        f"The profile database {path} is on {where}: SQLite there can be corrupted by another computer writing "
        "the same file. Keep the profile on a local disk, or give the profile a PostgreSQL database_url to share it."
    )
