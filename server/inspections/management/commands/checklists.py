"""manage.py checklists validate | preview [ID …] | record

validate  check every definition file (drafts included) and that published versions are unchanged
preview   print checklists as an inspector would read them (all latest versions, or the ids given)
record    validate, then record new versions as published (see checklists/README.md)
"""
from __future__ import annotations

import checklists
from checklists import ChecklistDefinitionError
from django.core.management.base import BaseCommand, CommandError

KIND_LABELS = {"boolean": "是/否", "choice": "选择", "number": "数值", "text": "文字", "quicktest": "快检"}


def render_preview(doc: dict) -> str:
    lines = [f"{doc['title']}  [{doc['_id']}]", "=" * 60]
    for section in doc["sections"]:
        lines.append(f"\n{section['code']}  {section['title']}")
        for item in section["items"]:
            marks = []
            if item.get("required"):
                marks.append("必填")
            if item.get("photo_required"):
                marks.append("需拍照")
            if item.get("domains"):
                marks.append("适用：" + "/".join(item["domains"]))
            kind = KIND_LABELS.get(item["kind"], item["kind"])
            if item["kind"] == "quicktest":
                kind += f" {item['method']}"
            if item["kind"] == "number" and item.get("unit"):
                kind += f" ({item['unit']})"
            lines.append(f"  [{item['code']}] {item['prompt']}  〈{kind}〉{'  ' + '，'.join(marks) if marks else ''}")
            for option in item.get("options") or []:
                lines.append(f"        - {option['value']}: {option['label']}")
            lines.append(f"        依据：{item['basis']}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["validate", "preview", "record"])
        parser.add_argument("ids", nargs="*", help="checklist ids for preview (default: latest of each category)")

    def handle(self, *args, action: str, ids: list[str], **options):
        try:
            if action == "validate":
                docs = checklists.validate_definitions()
                for doc in docs:
                    count = sum(len(s["items"]) for s in doc["sections"])
                    self.stdout.write(f"ok  {doc['_id']}  {count} items  {doc['title']}")
                self.stdout.write(f"{len(docs)} checklist definitions valid")
            elif action == "record":
                new_ids = checklists.record_published()
                self.stdout.write("recorded: " + (", ".join(new_ids) if new_ids else "nothing new"))
            else:
                if ids:
                    docs = []
                    for checklist_id in ids:
                        doc = checklists.get(checklist_id)
                        if doc is None:
                            raise CommandError(f"unknown checklist id: {checklist_id}")
                        docs.append(doc)
                else:
                    categories = sorted({d["category"] for d in checklists.load_all()})
                    docs = [checklists.latest_for(c) for c in categories]
                self.stdout.write("\n\n".join(render_preview(doc) for doc in docs))
        except ChecklistDefinitionError as exc:
            raise CommandError("\n".join(exc.errors)) from exc
