#!/usr/bin/env python3
"""Keep one process running: restart it with back-off whenever it dies, stop it cleanly on SIGTERM.

    python deploy/supervise.py [--name reconciler] [--min-backoff 0.5] [--max-backoff 30] \
        [--stable-after 60] [--grace 10] -- <command> [args…]

`make run` starts the reconciler through this wrapper (Procfile): honcho stops every process as soon
as one exits, so without it a crashed (or killed) reconciler would take the web server down with it.
Production runs the reconciler under systemd with `Restart=always` instead (deploy/production/).

- The command runs in its own process group. When it exits for any reason while the wrapper is not
  stopping, it is started again after a back-off: `--min-backoff` seconds, doubled after each quick
  death up to `--max-backoff`, and back to the minimum once a run lasted `--stable-after` seconds.
- SIGTERM, SIGINT or SIGHUP to the wrapper: the signal is passed to the command's whole process group;
  after `--grace` seconds whatever is left of the group is killed (SIGKILL); then the wrapper exits 0.
  A pending restart is cancelled.
- If the wrapper itself is killed with SIGKILL, the kernel sends SIGTERM to the command
  (PR_SET_PDEATHSIG), so it does not outlive its supervisor (processes the command started itself
  are then the command's to stop; the reconciler starts none).
- Each start and exit is logged on stderr (`supervise[<name>]: …`).
"""
from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: new process group, and SIGTERM when the wrapper dies."""
    os.setpgid(0, 0)
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except OSError:  # not Linux: the wrapper's own stop path still stops the group
        pass


class Supervisor:
    def __init__(self, command: list[str], *, name: str, min_backoff: float, max_backoff: float,
                 stable_after: float, grace: float):
        self.command = command
        self.name = name
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.stable_after = stable_after
        self.grace = grace
        self.stopping = threading.Event()
        self.child: subprocess.Popen | None = None
        self.starts = 0

    def log(self, message: str) -> None:
        print(f"supervise[{self.name}]: {message}", file=sys.stderr, flush=True)

    def _signal_group(self, sig: int) -> None:
        child = self.child
        if child is None:
            return
        try:
            os.killpg(child.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def request_stop(self, signum, frame) -> None:
        if not self.stopping.is_set():
            self.log(f"{signal.Signals(signum).name}: stopping")
        self.stopping.set()
        self._signal_group(signal.SIGTERM)

    def run(self) -> int:
        backoff = self.min_backoff
        while not self.stopping.is_set():
            started = time.monotonic()
            self.child = subprocess.Popen(self.command, preexec_fn=_die_with_parent)
            self.starts += 1
            self.log(f"started pid {self.child.pid} (start {self.starts})")
            if self.stopping.is_set():  # a signal came while it was starting
                self._signal_group(signal.SIGTERM)
            status = self._wait()
            ran = time.monotonic() - started
            if self.stopping.is_set():
                break
            backoff = self.min_backoff if ran >= self.stable_after else backoff
            self.log(f"pid {self.child.pid} exited with {_describe(status)} after {ran:.1f} s; "
                     f"restarting in {backoff:.1f} s")
            self._reap_group()
            if self.stopping.wait(backoff):
                break
            backoff = min(backoff * 2, self.max_backoff)
        self._stop_child()
        self.log("stopped")
        return 0

    def _wait(self) -> int | None:
        """The command's exit status; None as soon as a stop is requested (_stop_child then gives it
        the grace period)."""
        assert self.child is not None
        while not self.stopping.is_set():
            try:
                return self.child.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
        return None

    def _reap_group(self) -> None:
        """Whatever the dead command left in its group (helpers it spawned) goes with it."""
        self._signal_group(signal.SIGKILL)

    def _stop_child(self) -> None:
        child = self.child
        if child is None:
            return
        if child.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                child.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                self.log(f"pid {child.pid} still running after {self.grace:.0f} s: SIGKILL")
        self._signal_group(signal.SIGKILL)  # the rest of its group, if any
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass


def _describe(status: int) -> str:
    if status < 0:
        try:
            return f"signal {signal.Signals(-status).name}"
        except ValueError:
            return f"signal {-status}"
    return f"status {status}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default="child")
    parser.add_argument("--min-backoff", type=float, default=0.5)
    parser.add_argument("--max-backoff", type=float, default=30.0)
    parser.add_argument("--stable-after", type=float, default=60.0)
    parser.add_argument("--grace", type=float, default=10.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (after --)")
    supervisor = Supervisor(command, name=args.name, min_backoff=args.min_backoff, max_backoff=args.max_backoff,
                            stable_after=args.stable_after, grace=args.grace)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, supervisor.request_stop)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
