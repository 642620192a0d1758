"""Every definition loads and validates; schema errors name file and item; published versions are immutable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

import checklists
from checklists import ChecklistDefinitionError, engine
from checklists.schema import validate_document
from checklists.store import document_sha256, load_definitions, record_published

from .factories import checklist_doc, item


# ---- the shipped definitions -------------------------------------------------

def test_every_category_has_a_published_checklist():
    docs = checklists.load_all()
    assert {d["category"] for d in docs} == set(checklists.CATEGORIES)
    for category in checklists.CATEGORIES:
        latest = checklists.latest_for(category)
        assert latest["_id"] == f"checklist:{category}:{latest['version']}"
        assert checklists.get(latest["_id"]) == latest


def test_every_definition_file_validates_and_matches_its_recorded_hash():
    published = checklists.read_published()
    files = sorted(checklists.DEFINITIONS_DIR.glob("*.yaml"))
    assert len(files) >= 6
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert validate_document(doc, source=path.name) == []
        assert path.name == f"{doc['category']}.v{doc['version']}.yaml"
        assert published[doc["_id"]]["sha256"] == document_sha256(doc)


def test_item_codes_unique_and_quicktest_methods_exist():
    known = set(engine.method_names())
    for doc in checklists.load_all():
        codes = [i["code"] for s in doc["sections"] for i in s["items"]]
        assert len(codes) == len(set(codes)), doc["_id"]
        for section in doc["sections"]:
            for it in section["items"]:
                assert it["basis"].strip()
                if it["kind"] == "quicktest":
                    assert it["method"] in known
                for domain in it.get("domains", []):
                    assert domain in checklists.DOMAINS


def test_documents_have_exactly_the_contract_shape():
    for doc in checklists.load_all():
        assert set(doc) == {"_id", "type", "category", "version", "title", "sections"}
        assert doc["type"] == "checklist" and isinstance(doc["version"], int)
        json.dumps(doc)  # JSON-representable as sent to tablets


def test_wire_cable_uses_the_conductor_resistance_method():
    doc = checklists.latest_for("wire-cable")
    assert checklists.find_item(doc, "cr-1")["method"] == "conductor-resistance"
    assert checklists.find_item(doc, "no-such-item") is None


def test_get_and_latest_for_unknown():
    assert checklists.get("checklist:wire-cable:999") is None
    assert checklists.latest_for("no-such-category") is None


def test_returned_documents_are_copies():
    doc = checklists.get("checklist:wire-cable:1")
    doc["title"] = "changed"
    assert checklists.get("checklist:wire-cable:1")["title"] != "changed"


# ---- schema errors -----------------------------------------------------------

@pytest.mark.parametrize(
    "bad_item,expected",
    [
        (item(kind="quicktest"), "kind 'quicktest' needs 'method'"),
        (item(kind="quicktest", method="no-such"), "method 'no-such' is not in the engine registry"),
        (item(kind="choice"), "kind 'choice' needs 'options'"),
        (item(kind="number"), "kind 'number' needs 'unit'"),
        (item(kind="boolean", unit="mm"), "must not have 'unit'"),
        (item(kind="slider"), "kind must be one of"),
        (item(required="yes"), "'required' must be true or false"),
        (item(basis=""), "'basis' must be a non-empty string"),
        (item(code="Bad:Code"), "code must match"),
        (item(domains=["factory"]), "domains must be"),
        (item(extra=1), "unknown field 'extra'"),
        (item(kind="choice", options=[{"value": "a", "label": "A"}, {"value": "a", "label": "B"}]), "is duplicated"),
    ],
)
def test_schema_errors_name_file_and_item(bad_item, expected):
    doc = checklist_doc(items=[item(code="ok-1"), bad_item])
    errors = validate_document(doc, source="wire-cable.v1.yaml")
    assert errors, expected
    code = bad_item.get("code")
    assert any(
        e.startswith(f"wire-cable.v1.yaml: sections[0].items[1] (code {code!r}): ") and expected in e for e in errors
    ), errors


def test_schema_duplicate_item_codes_across_sections():
    doc = checklist_doc(items=[item(code="a-1")])
    doc["sections"].append({"code": "s2", "title": "二", "items": [item(code="a-1")]})
    errors = validate_document(doc, source="f.yaml")
    assert any("sections[1].items[0]" in e and "duplicate item code 'a-1'" in e for e in errors)


def test_schema_top_level_errors():
    doc = checklist_doc()
    doc["_id"] = "checklist:wire-cable:2"
    doc["category"] = "wire-cable"
    assert any("_id: must be 'checklist:wire-cable:1'" in e for e in validate_document(doc, source="f.yaml"))
    assert any("unknown category" in e for e in validate_document(checklist_doc(category="toys"), source="f.yaml"))
    bad_version = checklist_doc()
    bad_version["version"] = "1"
    assert any("version" in e for e in validate_document(bad_version, source="f.yaml"))


# ---- immutability ------------------------------------------------------------

@pytest.fixture
def workdir(tmp_path: Path) -> tuple[Path, Path]:
    definitions = tmp_path / "definitions"
    shutil.copytree(checklists.DEFINITIONS_DIR, definitions)
    published = tmp_path / "published.json"
    shutil.copy(checklists.PUBLISHED_PATH, published)
    return definitions, published


def test_copy_of_shipped_definitions_loads(workdir):
    definitions, published = workdir
    assert len(load_definitions(directory=definitions, published_path=published)) == len(checklists.load_all())


def test_changed_published_definition_fails_to_load(workdir):
    definitions, published = workdir
    path = definitions / "wire-cable.v1.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("附有产品合格证", "附有合格证"), encoding="utf-8")
    with pytest.raises(ChecklistDefinitionError) as caught:
        load_definitions(directory=definitions, published_path=published)
    assert any(e.startswith("wire-cable.v1.yaml:") and "content has changed" in e for e in caught.value.errors)
    # recording cannot paper over it
    with pytest.raises(ChecklistDefinitionError):
        record_published(directory=definitions, published_path=published)
    assert json.loads(published.read_text(encoding="utf-8")) == json.loads(checklists.PUBLISHED_PATH.read_text(encoding="utf-8"))


def test_new_version_is_a_draft_until_recorded(workdir):
    definitions, published = workdir
    doc = yaml.safe_load((definitions / "wire-cable.v1.yaml").read_text(encoding="utf-8"))
    doc["version"] = 2
    doc["_id"] = "checklist:wire-cable:2"
    doc["title"] = "电线电缆质量安全专项检查表（第2版）"
    (definitions / "wire-cable.v2.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ChecklistDefinitionError) as caught:
        load_definitions(directory=definitions, published_path=published)
    assert any("wire-cable.v2.yaml" in e and "not recorded" in e for e in caught.value.errors)
    assert checklists.validate_definitions(directory=definitions, published_path=published)  # drafts allowed
    assert record_published(directory=definitions, published_path=published) == ["checklist:wire-cable:2"]
    assert record_published(directory=definitions, published_path=published) == []
    docs = load_definitions(directory=definitions, published_path=published)
    versions = sorted(d["version"] for d in docs if d["category"] == "wire-cable")
    assert versions == [1, 2]


def test_removed_published_definition_fails(workdir):
    definitions, published = workdir
    (definitions / "grinding-wheel.v1.yaml").unlink()
    with pytest.raises(ChecklistDefinitionError) as caught:
        load_definitions(directory=definitions, published_path=published)
    assert any("checklist:grinding-wheel:1" in e and "no definition file" in e for e in caught.value.errors)


def test_file_name_must_match_id(workdir):
    definitions, published = workdir
    (definitions / "wire-cable.v1.yaml").rename(definitions / "wire-cable.yaml")
    with pytest.raises(ChecklistDefinitionError) as caught:
        load_definitions(directory=definitions, published_path=published)
    assert any(e.startswith("wire-cable.yaml:") and "file name must be" in e for e in caught.value.errors)


def test_invalid_yaml_and_invalid_item_name_the_file(workdir):
    definitions, published = workdir
    (definitions / "broken.v1.yaml").write_text("sections: [unclosed", encoding="utf-8")
    path = definitions / "wire-cable.v1.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("method: strand-count", "method: strand-counter"), encoding="utf-8")
    with pytest.raises(ChecklistDefinitionError) as caught:
        load_definitions(directory=definitions, published_path=published)
    errors = caught.value.errors
    assert any(e.startswith("broken.v1.yaml: not valid YAML") for e in errors)
    assert any(e.startswith("wire-cable.v1.yaml: sections[2].items[1] (code 'cr-2'): method 'strand-counter'") for e in errors)
