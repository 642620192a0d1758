"""deploy/supervise.py, the wrapper `make run` starts the reconciler with: a killed command comes
back (with back-off), SIGTERM stops the command's whole process group and the wrapper exits 0,
and a SIGKILLed wrapper takes its command with it. Real processes, no mocks."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SUPERVISE = REPO / "deploy" / "supervise.py"

# The supervised command: writes "<its pid> <its helper's pid>" to a file, keeps a helper process
# (a grandchild of the wrapper) and sleeps.
CHILD = """
import os, subprocess, sys, time
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
path = sys.argv[1]
with open(path + ".tmp", "w") as f:
    f.write(f"{os.getpid()} {helper.pid}")
os.replace(path + ".tmp", path)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def wait_for(predicate, timeout: float = 15.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def read_pids(path: Path) -> tuple[int, int] | None:
    try:
        child, helper = path.read_text().split()
    except (FileNotFoundError, ValueError):
        return None
    return int(child), int(helper)


@pytest.fixture
def supervised(tmp_path):
    pid_file = tmp_path / "pids"
    log = open(tmp_path / "supervise.log", "wb")
    wrapper = subprocess.Popen(
        [sys.executable, str(SUPERVISE), "--name", "test", "--min-backoff", "0.2", "--max-backoff", "0.8",
         "--stable-after", "30", "--grace", "3", "--", sys.executable, "-c", CHILD, str(pid_file)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    yield wrapper, pid_file, tmp_path / "supervise.log"
    if wrapper.poll() is None:  # a clean stop takes the command's whole group with it
        wrapper.send_signal(signal.SIGTERM)
        try:
            wrapper.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(wrapper.pid, signal.SIGKILL)
            wrapper.wait(5)


def test_a_killed_command_is_restarted_with_back_off(supervised):
    wrapper, pid_file, log = supervised
    seen = []
    for _ in range(4):
        pids = wait_for(lambda: (p := read_pids(pid_file)) and p not in seen and p, what="a (new) command")
        seen.append(pids)
        pid_file.unlink()
        os.kill(pids[0], signal.SIGKILL)
    pids = wait_for(lambda: read_pids(pid_file), what="the command after 4 kills")
    assert alive(pids[0]) and wrapper.poll() is None
    assert not any(alive(helper) for _, helper in seen), "a dead command's helper outlived it"
    text = log.read_text()
    assert text.count("exited with signal SIGKILL") == 4
    delays = [line.rsplit("restarting in ", 1)[1] for line in text.splitlines() if "restarting in" in line]
    assert delays == ["0.2 s", "0.4 s", "0.8 s", "0.8 s"]


def test_sigterm_stops_the_command_and_its_group_and_exits_0(supervised):
    wrapper, pid_file, log = supervised
    child, helper = wait_for(lambda: read_pids(pid_file), what="the command")
    wrapper.send_signal(signal.SIGTERM)
    assert wrapper.wait(timeout=10) == 0
    wait_for(lambda: not alive(child) and not alive(helper), timeout=5, what="no orphans")
    assert "SIGTERM: stopping" in log.read_text() and "stopped" in log.read_text()


def test_a_command_that_ignores_sigterm_is_killed_after_the_grace(tmp_path):
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); open(%r, 'w').write('up'); time.sleep(600)"
    marker = tmp_path / "up"
    wrapper = subprocess.Popen([sys.executable, str(SUPERVISE), "--grace", "1", "--", sys.executable, "-c",
                                stubborn % str(marker)], stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for(marker.exists, what="the command")
        started = time.monotonic()
        wrapper.send_signal(signal.SIGTERM)
        assert wrapper.wait(timeout=10) == 0
        assert time.monotonic() - started < 6
        assert b"SIGKILL" in wrapper.stderr.read()
    finally:
        if wrapper.poll() is None:
            os.killpg(wrapper.pid, signal.SIGKILL)
            wrapper.wait(5)


def test_a_killed_wrapper_takes_its_command_with_it(supervised):
    """The command gets SIGTERM from the kernel; what the command itself started is its own business
    (the reconciler starts nothing), so the helper is cleaned up here."""
    wrapper, pid_file, _ = supervised
    child, helper = wait_for(lambda: read_pids(pid_file), what="the command")
    try:
        wrapper.kill()
        wrapper.wait(5)
        wait_for(lambda: not alive(child), timeout=5, what="the command to die with its wrapper")
    finally:
        try:
            os.kill(helper, signal.SIGKILL)
        except ProcessLookupError:
            pass
