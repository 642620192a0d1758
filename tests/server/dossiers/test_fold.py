"""Folding field documents into dossiers: revisions, replay, conflicts, quick tests, status."""
from __future__ import annotations

import uuid

import pytest

from server.dossiers.models import (
    Answer, DocConflict, Dossier, DossierStatus, FieldRevision, QuickTest,
)
from tests import factories
from tests.server.dossiers import field_docs as fd

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspection():
    inspector = factories.user("inspector")
    return factories.inspection(inspectors=[inspector])


def _author(inspection) -> str:
    return inspection.inspectors.first().username


def test_first_answer_moves_dossier_to_in_progress_and_records_revision(inspection):
    doc = fd.answer(inspection, "cert-2", True, author=_author(inspection))
    outcome = fd.fold(doc)
    assert outcome.applied == 1 and outcome.new_revisions == 1 and not outcome.errors
    answer = Answer.objects.get(doc_id=doc["_id"])
    assert answer.value is True and answer.rev == doc["_rev"] and answer.author == _author(inspection)
    assert FieldRevision.objects.filter(doc_id=doc["_id"], rev=doc["_rev"]).count() == 1
    assert Dossier.objects.get(pk=inspection.pk).status == DossierStatus.IN_PROGRESS


def test_replaying_the_same_change_changes_nothing(inspection):
    doc = fd.answer(inspection, "cert-2", True, author=_author(inspection))
    fd.fold(doc)
    before = (list(Answer.objects.values()), list(FieldRevision.objects.values("doc_id", "rev", "body")))
    outcome = fd.fold(doc)
    assert outcome.new_revisions == 0
    after = (list(Answer.objects.values()), list(FieldRevision.objects.values("doc_id", "rev", "body")))
    assert before == after


def test_every_revision_is_kept_and_current_state_follows_the_winner(inspection):
    first = fd.answer(inspection, "cert-2", True, author=_author(inspection), _rev="1-aaa")
    second = dict(first, _rev="2-bbb", value=False)
    fd.fold(first)
    fd.fold(second)
    assert set(FieldRevision.objects.filter(doc_id=first["_id"]).values_list("rev", flat=True)) == {"1-aaa", "2-bbb"}
    assert Answer.objects.get(doc_id=first["_id"]).value is False


def test_conflicting_revisions_are_kept_until_resolved(inspection):
    author = _author(inspection)
    winner = fd.answer(inspection, "cert-2", True, author=author, _rev="2-bbb")
    loser = dict(winner, _rev="2-aaa", value=False, author="other")
    winner_with_conflict = dict(winner, _conflicts=["2-aaa"])
    fd.fold(winner_with_conflict, conflicts={winner["_id"]: [loser]})
    conflict = DocConflict.objects.get(doc_id=winner["_id"])
    values = {r["rev"]: (r["value"], r["author"]) for r in conflict.revisions}
    assert values == {"2-bbb": (True, author), "2-aaa": (False, "other")}
    assert FieldRevision.objects.filter(doc_id=winner["_id"]).count() == 2
    # Resolution: the store stops reporting _conflicts (loser deleted) → the conflict closes.
    fd.fold(winner)
    assert not DocConflict.objects.filter(doc_id=winner["_id"]).exists()


def test_quicktest_gets_the_server_verdict_and_flags_a_differing_device_verdict(inspection):
    doc = fd.quicktest(inspection, author=_author(inspection), device_verdict="fail",
                       inputs={"material": "copper", "coated": False, "conductor_class": 2, "cross_section_mm2": 2.5,
                               "length_m": 100, "measured_ohm": 0.70, "temperature_c": 20})
    fd.fold(doc)
    qt = QuickTest.objects.get(doc_id=doc["_id"])
    assert qt.verdict == "pass"  # 7.00 Ω/km ≤ 7.41 (class 2, 2.5 mm², plain copper)
    assert qt.limit is not None and qt.basis
    assert qt.verdict_differs is True


def test_quicktest_with_malformed_inputs_is_kept_with_the_error(inspection):
    doc = fd.quicktest(inspection, author=_author(inspection), inputs={"material": "gold"})
    fd.fold(doc)
    qt = QuickTest.objects.get(doc_id=doc["_id"])
    assert qt.verdict == "" and "inputs" in qt.error


def test_unknown_inspection_fails_alone(inspection):
    good = fd.answer(inspection, "cert-2", True, author=_author(inspection))
    bad = dict(fd.answer(inspection, "cert-4", True, author=_author(inspection)), inspection_id=str(uuid.uuid4()))
    bad["_id"] = f"answer:{bad['inspection_id']}:cert-4"
    outcome = fd.fold(good, bad)
    assert list(outcome.errors) == [bad["_id"]] and "inspection_id" in outcome.errors[bad["_id"]]
    assert Answer.objects.filter(doc_id=good["_id"]).exists()


def test_non_field_docs_are_skipped(inspection):
    outcome = fd.fold({"_id": "checklist:wire-cable:1", "_rev": "1-x", "type": "checklist"})
    assert outcome.skipped == 1 and outcome.applied == 0


def test_deleted_answer_disappears_but_its_revisions_stay(inspection):
    doc = fd.answer(inspection, "cert-2", True, author=_author(inspection), _rev="1-aaa")
    fd.fold(doc)
    fd.fold({"_id": doc["_id"], "_rev": "2-bbb", "_deleted": True})
    assert not Answer.objects.filter(doc_id=doc["_id"]).exists()
    assert FieldRevision.objects.filter(doc_id=doc["_id"]).count() == 2


def test_closeout_with_missing_items_is_incomplete_then_submitted_when_complete(inspection):
    author = _author(inspection)
    answers = fd.required_answers(inspection, author=author)
    fd.fold(*answers[:-1], fd.closeout(inspection, author=author))
    dossier = Dossier.objects.get(pk=inspection.pk)
    assert dossier.status == DossierStatus.INCOMPLETE
    assert answers[-1]["item_code"] in dossier.completeness["missing"]
    fd.fold(answers[-1])
    dossier.refresh_from_db()
    assert answers[-1]["item_code"] not in dossier.completeness["missing"]
    # Photo-required and quick-test items are still missing: no verified photos yet.
    assert dossier.status == DossierStatus.INCOMPLETE
    assert "photo" in dossier.completeness["details"].get("cert-2", []) or "cert-2" not in dossier.completeness["details"]
    assert dossier.completeness["details"]["cr-1"][0] == "quicktest"


def test_answer_with_a_value_of_the_wrong_kind_counts_as_missing(inspection):
    doc = fd.answer(inspection, "cert-1", "not-an-option", author=_author(inspection))
    fd.fold(doc)
    answer = Answer.objects.get(doc_id=doc["_id"])
    assert answer.problem
    assert "cert-1" in Dossier.objects.get(pk=inspection.pk).completeness["missing"]


def test_approved_is_kept_and_returned_goes_back_on_new_docs(inspection):
    author = _author(inspection)
    fd.fold(fd.answer(inspection, "cert-2", True, author=author))
    Dossier.objects.filter(pk=inspection.pk).update(status=DossierStatus.APPROVED)
    fd.fold(fd.answer(inspection, "cert-4", True, author=author))
    assert Dossier.objects.get(pk=inspection.pk).status == DossierStatus.APPROVED

    Dossier.objects.filter(pk=inspection.pk).update(status=DossierStatus.RETURNED)
    again = fd.answer(inspection, "cert-2", True, author=author)
    fd.fold(again)
    fd.fold(again)  # a replay is not a new doc
    assert Dossier.objects.get(pk=inspection.pk).status == DossierStatus.IN_PROGRESS
    Dossier.objects.filter(pk=inspection.pk).update(status=DossierStatus.RETURNED)
    fd.fold(again)  # replay after a return: nothing new, stays returned
    assert Dossier.objects.get(pk=inspection.pk).status == DossierStatus.RETURNED
    fd.fold(fd.closeout(inspection, author=author))
    assert Dossier.objects.get(pk=inspection.pk).status in (DossierStatus.SUBMITTED, DossierStatus.INCOMPLETE)
