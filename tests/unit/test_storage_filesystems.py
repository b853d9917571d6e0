"""J8: a SQLite profile database on a network filesystem is refused; the mount holding a path is found in a mounts
table (a fake one here, /proc/self/mounts in use)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wallet_app.errors import StorageOnNetworkFilesystem
from wallet_app.storage import filesystems
from wallet_app.storage.database import open_database, sqlite_url
from wallet_app.storage.filesystems import check_local_path, filesystem_type, parse_mounts

MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
proc /proc proc rw,relatime 0 0
127.0.0.1:/export/team /mnt/share nfs4 rw,relatime,vers=4.2 0 0
/dev/vdb /mnt/share/local ext4 rw,relatime 0 0
//127.0.0.1/custody /srv/smb cifs rw,relatime,vers=3.1.1 0 0
127.0.0.1@tcp:/scratch /scratch lustre rw,flock 0 0
127.0.0.1:/export/space /mnt/my\\040share nfs rw,relatime 0 0
/dev/vdc /data ext4 rw 0 0
127.0.0.1:/export/data /data nfs4 rw 0 0
sshfs#me@127.0.0.1:/ /home/me/remote fuse.sshfs rw 0 0
tmpfs /tmp tmpfs rw,nosuid 0 0
"""


@pytest.mark.parametrize(("path", "fstype"), [
    ("/home/me/custos/profiles/team/custos.db", "ext4"),
    ("/mnt/share", "nfs4"),
    ("/mnt/share/profiles/team/custos.db", "nfs4"),
    ("/mnt/share/local/custos.db", "ext4"),  # a local disk mounted inside the share
    ("/mnt/sharex/custos.db", "ext4"),  # a sibling whose name starts like the share is not in it
    ("/srv/smb/custos.db", "cifs"),
    ("/scratch/custos.db", "lustre"),
    ("/mnt/my share/custos.db", "nfs"),  # \040 in the table is a space
    ("/data/custos.db", "nfs4"),  # mounted over the local disk: the later entry wins
    ("/home/me/remote/custos.db", "fuse.sshfs"),
    ("/tmp/custos.db", "tmpfs"),
])
def test_the_mount_holding_a_path(path: str, fstype: str) -> None:
    assert filesystem_type(path, MOUNTS) == fstype


def test_a_path_outside_every_mount_has_no_type() -> None:
    assert filesystem_type("/x/custos.db", "127.0.0.1:/e /mnt/share nfs rw 0 0\n") is None
    assert parse_mounts("garbage\n\n") == []


@pytest.mark.parametrize("path", ["/mnt/share/team/custos.db", "/srv/smb/custos.db", "/scratch/custos.db",
                                  "/data/custos.db", "/home/me/remote/custos.db", "/mnt/my share/custos.db"])
def test_J8_sqlite_on_a_network_filesystem_is_refused(path: str) -> None:
    with pytest.raises(StorageOnNetworkFilesystem) as refused:
        check_local_path(Path(path), mounts_text=MOUNTS)
    assert "network filesystem" in refused.value.user_message and "PostgreSQL" in refused.value.user_message
    assert "\n" not in refused.value.user_message


@pytest.mark.parametrize("path", ["/home/me/custos.db", "/mnt/share/local/custos.db", "/tmp/custos.db"])
def test_sqlite_on_a_local_filesystem_is_accepted(path: str) -> None:
    check_local_path(Path(path), mounts_text=MOUNTS)


def test_a_symlink_into_a_share_is_followed(tmp_path: Path) -> None:
    (tmp_path / "profiles").symlink_to("/mnt/share/profiles")
    mounts = f"/dev/vda / ext4 rw 0 0\n127.0.0.1:/e /mnt/share nfs4 rw 0 0\n/dev/vdb {tmp_path} ext4 rw 0 0\n"
    with pytest.raises(StorageOnNetworkFilesystem):
        check_local_path(tmp_path / "profiles" / "custos.db", mounts_text=mounts)


def test_J8_open_database_refuses_sqlite_on_a_share_and_leaves_nothing(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    mounts = f"/dev/vda / ext4 rw 0 0\n127.0.0.1:/e {tmp_path} nfs rw 0 0\n"
    monkeypatch.setattr(filesystems, "read_mounts", lambda: mounts)
    database = tmp_path / "custos.db"
    with pytest.raises(StorageOnNetworkFilesystem, match=r"on a network filesystem \(nfs\)"):
        open_database(sqlite_url(database))
    assert list(tmp_path.iterdir()) == []


def test_open_database_accepts_this_machines_own_disk(tmp_path: Path) -> None:
    engine = open_database(sqlite_url(tmp_path / "custos.db"))  # the real /proc/self/mounts
    engine.dispose()
    assert (tmp_path / "custos.db").exists()
