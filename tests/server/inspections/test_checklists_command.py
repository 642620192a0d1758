from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import checklists


def test_validate_lists_every_definition():
    out = StringIO()
    call_command("checklists", "validate", stdout=out)
    text = out.getvalue()
    for doc in checklists.load_all():
        assert doc["_id"] in text
    assert f"{len(checklists.load_all())} checklist definitions valid" in text


def test_preview_shows_items_with_their_basis():
    out = StringIO()
    doc = checklists.latest_for("wire-cable")
    call_command("checklists", "preview", doc["_id"], stdout=out)
    text = out.getvalue()
    for section in doc["sections"]:
        for item in section["items"]:
            assert f"[{item['code']}] {item['prompt']}" in text
            assert f"依据：{item['basis']}" in text
    assert "conductor-resistance" in text


def test_preview_of_unknown_id_fails():
    with pytest.raises(CommandError):
        call_command("checklists", "preview", "checklist:wire-cable:999", stdout=StringIO())
