"""The access index's revision bookkeeping: CouchDB's winner rule, ancestry, sequences in order,
re-sequencing a scope."""
from __future__ import annotations

import pytest

from sync.gateway import index
from sync.gateway.access import current_seq
from sync.gateway.models import IndexedDoc


@pytest.mark.parametrize(
    "leaves, expected",
    [
        ([["2-aaa", False], ["2-bbb", False]], ("2-bbb", False)),  # highest rev id at equal depth
        ([["3-aaa", False], ["2-zzz", False]], ("3-aaa", False)),  # longest branch
        ([["3-aaa", True], ["2-zzz", False]], ("2-zzz", False)),  # a live leaf beats a deleted one
        ([["3-aaa", True], ["4-bbb", True]], ("4-bbb", True)),
        ([["10-aaa", False], ["9-zzz", False]], ("10-aaa", False)),  # numeric, not text, depth
    ],
)
def test_winner_follows_couchdb(leaves, expected):
    assert index.winner(leaves) == expected


def test_revisions_chain_from_revisions_or_rev():
    assert index.revisions_chain({"_rev": "3-c", "_revisions": {"start": 3, "ids": ["c", "b", "a"]}}) == ["3-c", "2-b", "1-a"]
    assert index.revisions_chain({"_rev": "1-x"}) == ["1-x"]
    assert index.revisions_chain({"_revisions": {"start": "3", "ids": ["c"]}, "_rev": "3-c"}) == ["3-c"]


@pytest.mark.django_db
def test_record_tracks_leaves_known_revisions_and_sequences():
    rev = index.Revision
    assert index.record(revisions=[rev(doc_id="d", doc_type="answer", scope="s1", rev="1-a")]) == 1
    first = IndexedDoc.objects.get(doc_id="d").seq
    index.record(revisions=[rev(doc_id="d", doc_type="answer", scope="s1", rev="2-b", ancestors=["1-a"]),
                            rev(doc_id="e", doc_type="photo", scope="s1", rev="1-e")])
    index.record(revisions=[rev(doc_id="d", doc_type="answer", scope="s1", rev="2-c", ancestors=["1-a"])])
    row = IndexedDoc.objects.get(doc_id="d")
    assert sorted(leaf[0] for leaf in row.leaves) == ["2-b", "2-c"]
    assert row.winning_rev == "2-c" and set(row.revs) == {"1-a", "2-b", "2-c"}
    assert row.seq > first and row.seq == current_seq()
    # An already known revision changes nothing and takes no sequence.
    before = current_seq()
    assert index.record(revisions=[rev(doc_id="d", doc_type="answer", scope="s1", rev="2-b", ancestors=["1-a"])]) == 0
    assert current_seq() == before
    # Deleting the winner makes the other branch win.
    index.record(revisions=[rev(doc_id="d", doc_type="answer", scope="s1", rev="3-x", ancestors=["2-c", "1-a"], deleted=True)])
    row.refresh_from_db()
    assert row.winning_rev == "2-b" and not row.deleted


@pytest.mark.django_db
def test_resequence_moves_a_scope_past_everything_else():
    rev = index.Revision
    index.record(revisions=[rev(doc_id=f"a{i}", doc_type="answer", scope="old", rev="1-a") for i in range(3)])
    index.record(revisions=[rev(doc_id="b", doc_type="answer", scope="other", rev="1-b")])
    assert index.resequence_scope(scope="old") == 3
    seqs = dict(IndexedDoc.objects.values_list("doc_id", "seq"))
    assert min(seqs["a0"], seqs["a1"], seqs["a2"]) > seqs["b"]
    assert len(set(seqs.values())) == 4 and max(seqs.values()) == current_seq()
