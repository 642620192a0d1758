#!/usr/bin/env python
"""Live sync at city scale: N live PouchDB 9 tablets against the stack as `make run` starts it.

    .venv/bin/python tests/bench/bench_live_sync.py --tablets 16,64
    .venv/bin/python tests/bench/bench_live_sync.py --tablets 16,64,256,1000 [--database-url postgres://…]
    .venv/bin/python tests/bench/bench_live_sync.py --tablets 64 --second-node --database-url postgres://…

For each N: a fresh DATA_DIR and `make run` (store, web, reconciler) on free loopback ports; N
inspectors with one inspection each and a city supervisor are made in SQL and published. Then N
inspector tablets and the supervisor's tablet (tests/bench/live_tablets.js: many PouchDB 9
memory databases per node process) all start `sync({live: true, retry: true})` at once, while a
client asks `GET /api/v1/accounts/me/` every 0.2 s. Measured:
- initial pull: from start until each tablet holds its inspection doc (p50 / max, how many done),
  and until its sync first pauses after that with no error (caught up both ways: the initial sync
  is over); deliveries are measured once every tablet has caught up (or --pull-timeout passed);
- REST: p50 / p95 latency and failures (10 s timeout) from the start until the deliveries are done;
- delivery: an inspector's tablet stores an answer (its live sync pushes it) until the supervisor's
  live tablet has it (p50 / p95 of --deliveries) and until the dossier in SQL has it (p50);
- idle CPU over --idle-seconds once everything is synced and the REST client has stopped, in % of
  one core: the web process (all gunicorn processes), the reconciler and the store.
With --second-node the supervisor's tablet syncs through a second web process (a gateway node on
its own port over the same database and store), so every delivery crosses nodes (on PostgreSQL:
LISTEN/NOTIFY; on SQLite: each node's watcher polls the shared counter).
One line per N. Stops everything it started.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.support.syncstore import free_port  # noqa: E402

DRIVER = REPO / "tests" / "bench" / "live_tablets.js"
PER_PROCESS = 250
CLK_TCK = os.sysconf("SC_CLK_TCK")
BASE_ENV = dict(os.environ)  # for the stack: this process's own environment changes for Django below


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Driver:
    """One node process holding many tablets; events arrive on a queue."""

    def __init__(self, events: queue.Queue, log_path: Path):
        self.log_path = log_path
        self.process = subprocess.Popen(["node", str(DRIVER)], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=open(log_path, "wb"), text=True, bufsize=1, start_new_session=True)
        self.events = events
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                pass

    def send(self, **cmd):
        self.process.stdin.write(json.dumps(cmd) + "\n")
        self.process.stdin.flush()

    def stop(self):
        try:
            self.process.stdin.close()
            self.process.wait(timeout=5)
        except Exception:  # noqa: BLE001
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def cpu_seconds(pids) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / CLK_TCK


def descendants(root: int, word: str) -> list[int]:
    """Processes below `root` (honcho starts its children in groups of their own) whose command line
    holds `word`."""
    children: dict[int, list[int]] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            todo.append(child)
            if word in commands.get(child, ""):
                found.append(child)
    return found


def start_process(command: list[str], *, env: dict, port: int, log_path: Path, timeout: float) -> subprocess.Popen:
    """Start a server process (its own session, output to `log_path`) and wait until /healthz answers."""
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log_path.read_text()[-3000:])
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{command[0]} did not start: " + log_path.read_text()[-3000:])


def start_stack(workdir: Path, env: dict) -> subprocess.Popen:
    return start_process(["make", "run"], env=env, port=int(env["PORT"]), log_path=workdir / "stack.log", timeout=180)


def stop_stack(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def make_people(n: int):
    """N inspectors with one inspection each, a city supervisor with a token; published."""
    from rest_framework.authtoken.models import Token

    from server.accounts.models import Role
    from sync import publisher
    from tests import factories

    company = factories.enterprise("445202")
    inspectors, inspections = [], []
    for i in range(n):
        person = factories.user(Role.INSPECTOR, username=f"live-{i}-{uuid.uuid4().hex[:4]}", jurisdiction="445202")
        inspectors.append(person)
        inspections.append(factories.inspection(enterprise_obj=company, inspectors=[person]))
    supervisor = factories.user(Role.SUPERVISOR, username=f"city-{uuid.uuid4().hex[:4]}", jurisdiction="445200")
    token = Token.objects.create(user=supervisor).key
    publisher.publish_all_pending(full=True)
    return inspectors, inspections, supervisor, token


def rest_probe(url: str, token: str, stop: threading.Event, out: list):
    session = requests.Session()
    while not stop.is_set():
        start = time.monotonic()
        try:
            ok = session.get(url, headers={"Authorization": f"Token {token}"}, timeout=10).status_code == 200
        except requests.RequestException:
            ok = False
        out.append((time.monotonic() - start, ok))
        stop.wait(0.2)


def run_one(n: int, args) -> str:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-live-{n}-"))
    port, couch_port = free_port(), free_port()
    secret = "bench-live-" + uuid.uuid4().hex
    env = {**BASE_ENV, "PORT": str(port), "COUCHDB_PORT": str(couch_port), "DATA_DIR": str(workdir / "var"),
           "SECRET_KEY": secret, "LOG_LEVEL": "WARNING"}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    env.pop("DJANGO_SETTINGS_MODULE", None)
    stack = start_stack(workdir, env)
    second = None
    sup_url = f"http://127.0.0.1:{port}/sync/field"
    if args.second_node:
        # A second gateway node (the web process alone, as on another host) over the same database and
        # store: the supervisor's tablet syncs through it, the inspectors through the first.
        port_b = free_port()
        second = start_process([str(REPO / ".venv/bin/gunicorn"), "sync.asgi:application", "--config",
                                str(REPO / "deploy/gunicorn_dev.py"), "--bind", f"127.0.0.1:{port_b}"],
                               env=env, port=port_b, log_path=workdir / "node-b.log", timeout=60)
        sup_url = f"http://127.0.0.1:{port_b}/sync/field"
    drivers: list[Driver] = []
    stop_probe = threading.Event()
    try:
        os.environ.update({"DATA_DIR": env["DATA_DIR"], "COUCHDB_URL": f"http://127.0.0.1:{couch_port}",
                           "SECRET_KEY": secret, "SYNC_PUBLISH_ON_COMMIT": "false", "LOG_LEVEL": "WARNING"})
        if args.database_url:
            os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
        import django

        django.setup()
        from django.conf import settings as dj_settings
        from django.db import connection

        connection.close()
        dj_settings.DATABASES["default"]["NAME"] = str(Path(env["DATA_DIR"]) / "fieldinspect.sqlite3") \
            if not args.database_url else dj_settings.DATABASES["default"]["NAME"]
        dj_settings.COUCHDB_URL = f"http://127.0.0.1:{couch_port}"
        import sync.store

        sync.store.server.cache_clear()
        from server.dossiers.models import Answer
        from sync.gateway.models import IndexedDoc
        from tests import factories

        inspectors, inspections, supervisor, token = make_people(n)
        url = f"http://127.0.0.1:{port}/sync/field"
        events: queue.Queue = queue.Queue()
        specs = [{"name": f"t{i}", "username": p.username, "password": factories.PASSWORD,
                  "wait_for": f"inspection:{inspections[i].pk}"} for i, p in enumerate(inspectors)]
        for k, start in enumerate(range(0, n, PER_PROCESS)):
            drivers.append(Driver(events, workdir / f"tablets-{k}.log"))
        sup_driver = Driver(events, workdir / "supervisor.log")
        time.sleep(1.5)  # node processes load PouchDB
        probe: list = []
        threading.Thread(target=rest_probe, args=(f"http://127.0.0.1:{port}/api/v1/accounts/me/", token, stop_probe,
                                                  probe), daemon=True).start()
        owner = {}
        for k, start in enumerate(range(0, n, PER_PROCESS)):
            for spec in specs[start:start + PER_PROCESS]:
                owner[spec["name"]] = drivers[k]
        t0 = time.time()
        for k, start in enumerate(range(0, n, PER_PROCESS)):
            drivers[k].send(cmd="start", url=url, tablets=specs[start:start + PER_PROCESS])
        sup_driver.send(cmd="start", url=sup_url, tablets=[{"name": "supervisor", "username": supervisor.username,
                                                        "password": factories.PASSWORD,
                                                        "wait_for": f"inspection:{inspections[-1].pk}"}])
        pulls: dict[str, float] = {}
        idles: dict[str, float] = {}
        deadline = time.monotonic() + args.pull_timeout
        other: list = []
        while time.monotonic() < deadline and len(idles) < n + 1:
            try:
                event = events.get(timeout=1)
            except queue.Empty:
                continue
            if event.get("event") == "pulled":
                pulls[event["name"]] = event["ms"] / 1000
            elif event.get("event") == "idle":
                idles[event["name"]] = event["ms"] / 1000
            else:
                other.append(event)
        sup_pull = pulls.pop("supervisor", None)
        idles.pop("supervisor", None)
        pull_times = list(pulls.values())
        idle_times = list(idles.values())

        deliveries, dossier, legs = [], [], []
        for d in range(min(args.deliveries, n)):
            i = (d * 7919) % n
            item = ["cert-2", "mark-2", "mark-3", "prod-1", "prod-2", "trade-1", "use-1", "end-1"][d % 8]
            doc = {"_id": f"answer:{inspections[i].pk}:{item}", "type": "answer", "inspection_id": str(inspections[i].pk),
                   "item_code": item, "value": True, "note": "", "answered_at": "2019-07-01T09:30:00+08:00",
                   "author": inspectors[i].username, "device_id": f"bench-{i}"}
            sup_driver.send(cmd="watch", name="supervisor", id=doc["_id"])
            time.sleep(0.2)
            owner[f"t{i}"].send(cmd="put", name=f"t{i}", doc=doc)
            put_at = got_at = None
            limit = time.monotonic() + 30
            while time.monotonic() < limit and (put_at is None or got_at is None):
                try:
                    event = events.get(timeout=0.05)
                except queue.Empty:
                    event = None
                if event and event.get("event") == "put" and event["id"] == doc["_id"]:
                    put_at = event["at"] / 1000
                elif event and event.get("event") == "got" and event["id"] == doc["_id"]:
                    got_at = event["at"] / 1000
            if put_at is not None and got_at is not None:
                deliveries.append(got_at - put_at)
                indexed = IndexedDoc.objects.filter(doc_id=doc["_id"]).values_list("updated_at", flat=True).first()
                if indexed is not None:  # the two legs: tablet → gateway index, index → supervisor's tablet
                    legs.append((indexed.timestamp() - put_at, got_at - indexed.timestamp()))
            if put_at is not None:
                limit = time.monotonic() + 30
                while time.monotonic() < limit:
                    if Answer.objects.filter(inspection_id=inspections[i].pk, item_code=item).exists():
                        dossier.append(time.time() - put_at)
                        break
                    time.sleep(0.05)
            connection.close()
            time.sleep(0.5)

        stop_probe.set()  # idle means idle: the REST probe (5 requests a second) is not part of it
        time.sleep(args.settle_seconds)
        web = descendants(stack.pid, "gunicorn") + ([second.pid] + descendants(second.pid, "gunicorn") if second else [])
        store = [pid for pid in descendants(stack.pid, "node") if pid not in web]
        folder = descendants(stack.pid, "manage.py reconcile")
        before_web, before_store, before_folder = cpu_seconds(web), cpu_seconds(set(store)), cpu_seconds(folder)
        t_cpu = time.monotonic()
        time.sleep(args.idle_seconds)
        elapsed = time.monotonic() - t_cpu
        idle_web = 100 * (cpu_seconds(web) - before_web) / elapsed
        idle_store = 100 * (cpu_seconds(set(store)) - before_store) / elapsed
        idle_folder = 100 * (cpu_seconds(folder) - before_folder) / elapsed
        latencies = [lat for lat, ok in probe if ok]
        failures = sum(1 for _, ok in probe if not ok)
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
        load = Path("/proc/loadavg").read_text().split()[:3]
        errors = sum(path.read_text(errors="replace").count(" error ") for path in workdir.glob("*.log")
                     if path.name != "stack.log")
        slowest = sorted(zip(deliveries, legs), reverse=True)[:3] if len(legs) == len(deliveries) else []
        return (f"N={n:5d}{' (two nodes)' if args.second_node else ''}  initial pull p50 {pct(pull_times, 50):.1f} s / max {max(pull_times or [float('nan')]):.1f} s, "
                f"{len(pull_times)}/{n} done (supervisor {sup_pull if sup_pull is None else round(sup_pull, 1)} s); "
                f"sync caught up p50 {pct(idle_times, 50):.1f} s / max {max(idle_times or [float('nan')]):.1f} s, "
                f"{len(idle_times)}/{n}  "
                f"| REST me p50 {1000 * pct(latencies, 50):.0f} ms p95 {1000 * pct(latencies, 95):.0f} ms, "
                f"{failures} failed of {len(probe)}  "
                f"| to supervisor p50 {1000 * pct(deliveries, 50):.0f} ms p95 {1000 * pct(deliveries, 95):.0f} ms "
                f"({len(deliveries)}/{min(args.deliveries, n)})  | to dossier p50 {pct(dossier, 50):.2f} s "
                f"p95 {pct(dossier, 95):.2f} s  | idle CPU web {idle_web:.1f} % reconciler {idle_folder:.1f} % store {idle_store:.1f} % of a core "
                f"({len(web)} web processes; waiting feeds {health.get('waiting_feeds')} in the worker that answered /healthz)  "
                f"| tablet sync errors {errors}  | slowest deliveries (push leg + pull leg): "
                + ", ".join(f"{d:.2f} s ({a:.2f} + {b:.2f})" for d, (a, b) in slowest)
                + f"  | load {' '.join(load)}")
    finally:
        stop_probe.set()
        for driver in drivers:
            driver.stop()
        try:
            sup_driver.stop()
        except NameError:
            pass
        if second is not None:
            stop_stack(second)
        stop_stack(stack)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tablets", default="16,64", help="comma-separated N values (e.g. 16,64,256,1000)")
    parser.add_argument("--deliveries", type=int, default=20)
    parser.add_argument("--pull-timeout", type=float, default=180.0)
    parser.add_argument("--settle-seconds", type=float, default=5.0)
    parser.add_argument("--idle-seconds", type=float, default=15.0)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (a database of its own: it is migrated)")
    parser.add_argument("--second-node", action="store_true",
                        help="the supervisor's tablet syncs through a second gateway node (another web process on "
                             "its own port, same database and store): deliveries cross nodes")
    args = parser.parse_args()
    print(f"bench_live_sync: uptime load {' '.join(Path('/proc/loadavg').read_text().split()[:3])}, "
          f"{os.cpu_count()} cores", flush=True)
    for n in [int(x) for x in args.tablets.split(",") if x.strip()]:
        print(run_one(n, args), flush=True)


if __name__ == "__main__":
    main()
