"""The state store across ``os.fork``: each process has its own SQLite connection.

``serve --workers N`` builds the app once and forks its workers from it, so a store opened in the
parent must hand nothing open to its children: they open their own connection and lock file on
first use, and all of them share one state file.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from mockserver.service import MockService
from mockserver.settings import Settings
from tests.support import FakeTime, s3_store_body

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _service(fixture_set, path: Path | None) -> MockService:
    return MockService(Settings(state_file=path), fixture_set, time_source=FakeTime())


def _in_child(work: Callable[[], None]) -> int:
    """Run ``work`` in a forked child; its pid. The child exits 0 if ``work`` returned."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        code = 0
        try:
            work()
        except BaseException:  # noqa: BLE001 - reported through the exit status
            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    return pid


def _exit_code(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _open_files(path: Path) -> list[str]:
    """What this process has open of the state file and its companions (-wal, -shm, .lock)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(path)):
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_release_leaves_nothing_of_the_state_file_open_and_the_next_use_reopens(
    tmp_path, fixture_set
):
    path = tmp_path / "state.sqlite3"
    svc = _service(fixture_set, path)
    ws = svc.open_workspace("release-key")
    created = svc.stores.create(ws, s3_store_body("before"))
    assert _open_files(path), "the store should hold the file open while in use"

    svc.state.release()
    assert _open_files(path) == []

    assert created in svc.stores.list(ws)["stores"]
    svc.state.close()


def test_forked_workers_write_to_one_state_file_and_see_each_others_writes(tmp_path, fixture_set):
    path = tmp_path / "state.sqlite3"
    parent = _service(fixture_set, path)
    parent.open_workspace("fork-key")  # the parent uses the store before forking
    parent.state.release()
    first_done_r, first_done_w = os.pipe()
    second_done_r, second_done_w = os.pipe()

    def first() -> None:
        ws = parent.open_workspace("fork-key")
        parent.stores.create(ws, s3_store_body("from-first"))
        os.write(first_done_w, b"x")
        assert os.read(second_done_r, 1) == b"x"
        names = {s["name"] for s in parent.stores.list(ws)["stores"]}
        assert "from-second" in names, names

    def second() -> None:
        assert os.read(first_done_r, 1) == b"x"
        ws = parent.open_workspace("fork-key")
        names = {s["name"] for s in parent.stores.list(ws)["stores"]}
        assert "from-first" in names, names
        parent.stores.create(ws, s3_store_body("from-second"))
        os.write(second_done_w, b"x")

    pids = [_in_child(first), _in_child(second)]
    for fd in (first_done_r, first_done_w, second_done_r, second_done_w):
        os.close(fd)
    assert [_exit_code(pid) for pid in pids] == [0, 0]

    again = _service(fixture_set, path)
    names = {s["name"] for s in again.stores.list(again.open_workspace("fork-key"))["stores"]}
    assert {"from-first", "from-second"} <= names
    again.state.close()


@pytest.mark.parametrize("kind", ["file", "memory"])
def test_a_connection_carried_across_fork_is_refused_not_used(tmp_path, fixture_set, kind):
    svc = _service(fixture_set, tmp_path / "state.sqlite3" if kind == "file" else None)
    svc.open_workspace("carried-key")  # opened here, and not released

    def child() -> None:
        with pytest.raises(RuntimeError, match="another process"):
            svc.open_workspace("carried-key-2")

    assert _exit_code(_in_child(child)) == 0
    svc.state.close()


def test_an_in_memory_state_cannot_be_released(fixture_set):
    svc = _service(fixture_set, None)
    with pytest.raises(RuntimeError, match="in memory"):
        svc.state.release()
    svc.state.close()
