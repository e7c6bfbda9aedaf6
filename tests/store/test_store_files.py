"""The store's files on disk, as `ogpbot shell` leaves them: readable by the bot's user alone,
in a folder that user owns, whatever the umask says."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests import cast
from tests.chat import LINE, SEMINAR_FILE

FILES = ("ogpbot.json", "ogpbot.json.journal", "ogpbot.json.lock")


def shell(db: Path, stdin: str, umask: int = 0) -> subprocess.CompletedProcess[str]:
    """`ogpbot shell` as the roster's civil-society person, under `umask` (0: nothing masked)."""
    env = {**os.environ, "OGPBOT_DB": str(db), "OGPBOT_SEMINAR": str(SEMINAR_FILE)}
    return subprocess.run(
        ["sh", "-c", f'umask {umask:03o} && exec "$0" -m adapters.cli shell --user "$1"',
         sys.executable, cast.ANDERS.email],
        input=stdin, capture_output=True, text=True, timeout=60, env=env)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_store_is_private_to_the_bot(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "ogpbot"
    result = shell(folder / "ogpbot.json", f"propose {LINE}\n")
    assert "P-1" in result.stdout, result.stderr
    assert mode(folder) == 0o700
    assert {name: oct(mode(folder / name)) for name in FILES} == {
        name: oct(0o600) for name in FILES}
    assert (folder / "ogpbot.json.journal").stat().st_size > 0  # the proposal is in it

    # Files that others could read (left by an older ogpbot, or by hand) are narrowed at start.
    for name in FILES:
        (folder / name).chmod(0o644)
    result = shell(folder / "ogpbot.json", "status P-1\n")
    assert "P-1" in result.stdout, result.stderr
    assert {name: oct(mode(folder / name)) for name in FILES} == {
        name: oct(0o600) for name in FILES}


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can hand a folder to another user")
def test_a_folder_another_user_owns_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir()
    os.chown(folder, 65534, -1)  # nobody
    result = shell(folder / "ogpbot.json", "status\n")
    assert result.returncode == 1
    assert "belongs to another user" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(folder.iterdir()) == []
