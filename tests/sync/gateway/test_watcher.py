"""The index watcher (sync/gateway/watcher.py) and waiting feeds as coroutines (changes.stream):
who is woken by a change, the replay at registration, and no query while a feed waits."""
from __future__ import annotations

import asyncio
import json

import pytest

from server.accounts.models import Role
from sync.gateway import changes, watcher as watcher_module
from sync.gateway.models import PUBLIC_SCOPE
from sync.gateway.watcher import Event, Waiter, Watcher, event_for
from tests import factories
from tests.sync.gateway.conftest import SyncClient

pytestmark = pytest.mark.django_db


class QuietWatcher(Watcher):
    """A watcher without its thread: the test hands it the events."""

    def ensure_started(self) -> None:
        pass


def waiter_for(user, *, checked=0, loop) -> Waiter:
    covered = frozenset()
    if user.effective_role == Role.SUPERVISOR:
        from server.accounts import jurisdictions

        covered = frozenset(jurisdictions.descendants_of(code=user.jurisdiction_id))
    return Waiter(user_id=user.pk, role=user.effective_role, covered=covered, checked=checked, loop=loop,
                  event=asyncio.Event())


@pytest.fixture
def world():
    people = factories.two_counties()
    people["county"] = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    people["other_county"] = factories.user(Role.SUPERVISOR, jurisdiction="445203")
    people["city"] = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    people["admin"] = factories.user(Role.ADMIN)
    return people


def woken_after(loop, waiters) -> set[str]:
    loop.run_until_complete(asyncio.sleep(0))
    return {name for name, waiter in waiters.items() if waiter.event.is_set()}


def test_a_change_wakes_exactly_those_who_may_see_it(world):
    loop = asyncio.new_event_loop()
    try:
        hub = QuietWatcher()
        names = ("alice", "bob", "carol", "dave", "county", "other_county", "city", "admin")
        waiters = {name: waiter_for(world[name], loop=loop) for name in names}
        for waiter in waiters.values():
            hub.register(waiter)
        hub.dispatch(event_for(frm=0, to=3, scopes={str(world["a"].pk)}))
        assert woken_after(loop, waiters) == {"alice", "bob", "county", "city", "admin"}
        for waiter in waiters.values():
            waiter.clear()
        hub.dispatch(event_for(frm=3, to=4, scopes={str(world["c"].pk)}))
        assert woken_after(loop, waiters) == {"dave", "other_county", "city", "admin"}
        for waiter in waiters.values():
            waiter.clear()
        hub.dispatch(event_for(frm=4, to=5, scopes={PUBLIC_SCOPE}))  # a checklist: everybody
        assert woken_after(loop, waiters) == set(names)
    finally:
        loop.close()


def test_an_inspector_assigned_while_waiting_is_woken(world):
    """Who may see a scope is read when the change is handled: a newly assigned inspector's feed
    wakes for that inspection's re-sequenced docs although it did not see them when it began."""
    from server.inspections.services import inspection_set_inspectors

    loop = asyncio.new_event_loop()
    try:
        hub = QuietWatcher()
        carol = waiter_for(world["carol"], loop=loop)
        hub.register(carol)
        inspection_set_inspectors(actor=world["admin"], inspection=world["a"],
                                  inspectors=[world["alice"].username, world["carol"].username])
        hub.dispatch(event_for(frm=0, to=9, scopes={str(world["a"].pk)}))
        assert woken_after(loop, {"carol": carol}) == {"carol"}
    finally:
        loop.close()


def test_registration_replays_what_was_handled_after_the_feeds_counter(world):
    loop = asyncio.new_event_loop()
    try:
        hub = QuietWatcher()
        hub.dispatch(Event(frm=10, to=10))  # the watcher starts at 10
        hub.dispatch(event_for(frm=10, to=12, scopes={str(world["a"].pk)}))
        late = {"alice": waiter_for(world["alice"], checked=11, loop=loop),
                "dave": waiter_for(world["dave"], checked=11, loop=loop)}
        current = {"bob": waiter_for(world["bob"], checked=12, loop=loop)}
        stale = {"carol": waiter_for(world["carol"], checked=5, loop=loop)}  # before the history: checks once
        for waiter in (*late.values(), *current.values(), *stale.values()):
            hub.register(waiter)
        assert woken_after(loop, late) == {"alice"}
        assert woken_after(loop, current) == set()
        assert woken_after(loop, stale) == {"carol"}
    finally:
        loop.close()


def test_a_waiting_feed_makes_no_query_until_woken(world, monkeypatch):
    """The feed's database work goes through `run`; while it waits (heartbeats, a change to another
    inspector's inspection) it calls nothing; woken for its own inspection it checks once and answers."""
    hub = QuietWatcher()
    monkeypatch.setattr(changes, "watcher", lambda: hub)
    response = SyncClient(world["alice"]).get("_changes?feed=longpoll&since=now&timeout=60000&heartbeat=50")
    assert isinstance(response, changes.FeedResponse)
    calls = {"n": 0}
    from django.db import connections

    shared = connections["default"]
    shared.inc_thread_sharing()  # the test's connection (and its transaction) in the worker thread

    def in_test_connection(fn, *args):
        connections["default"] = shared
        return fn(*args)

    async def run(fn, *args):
        calls["n"] += 1
        return await asyncio.get_running_loop().run_in_executor(None, in_test_connection, fn, *args)

    loop = asyncio.new_event_loop()
    try:
        chunks, waited_calls, not_hers_calls = loop.run_until_complete(
            wait_then_wake(response.feed, run, hub, world, calls, in_test_connection))
    finally:
        loop.close()
    assert waited_calls == 0 and not_hers_calls == 0
    assert chunks.count(b"\n") >= 3  # heartbeats were written meanwhile
    assert calls["n"] == 1
    assert json.loads(chunks[-1])["results"][0]["id"] == "answer:x"
    assert changes.waiting_feeds() == 0
    shared.dec_thread_sharing()


async def wait_then_wake(feed, run, hub, world, calls, in_test_connection):
    """Wait, get an event for someone else's inspection, then one for hers with a row in the index."""
    from sync.gateway.index import Revision, record

    chunks: list[bytes] = []

    async def consume():
        async for chunk in changes.stream(feed, run):
            chunks.append(chunk)

    task = asyncio.create_task(consume())
    loop = asyncio.get_running_loop()

    def in_db(fn, *args):
        return loop.run_in_executor(None, in_test_connection, fn, *args)

    await asyncio.sleep(0.3)
    waited = calls["n"]
    other = await in_db(event_for, feed.checked, feed.checked, {str(world["c"].pk)})
    hub.dispatch(other)
    await asyncio.sleep(0.05)
    not_hers = calls["n"]
    await in_db(lambda: record(revisions=[Revision(doc_id="answer:x", doc_type="answer", scope=str(world["a"].pk),
                                                   rev="1-" + "a" * 32)]))
    hers = await in_db(event_for, feed.checked, feed.checked + 1, {str(world["a"].pk)})
    hub.dispatch(hers)
    await asyncio.wait_for(task, timeout=5)
    return chunks, waited, not_hers
