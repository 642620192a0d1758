"""THE authorisation matrix: who may call what (issue 14). One row per (URL name, method).

test_matrix.py walks the URLconf; every URL pattern (and every method its view answers) must have
a row here, or the test fails naming it, so a new endpoint joins the matrix the day it is added.
Each row is checked for every role (anonymous, admin, supervisor, inspector, certifier,
enterprise) against objects of three scopes (world.py): `own` (jurisdiction 445202, the
enterprise account's own enterprise), `sibling` (445202, another enterprise) and `other`
(445203, another enterprise, other inspectors and certification body).

Adding a row is one line:

    ("campaigns", "GET"): allow("admin supervisor inspector certifier enterprise"),
    ("inspection-detail", "GET"): allow("admin", scoped="supervisor inspector"),

- allow(roles, scoped=..., public=False):
    roles listed in the first argument pass for objects of every scope;
    roles in `scoped` pass for `own` only (and `sibling`, except for `enterprise`, whose scope
    is its enterprise) and are refused for `other`;
    every role not named is refused; `public=True` lets anonymous callers through.
- "pass" means: not 401/403/404, not a redirect to a login page, and not 5xx (a write probed with
  an incomplete body may well answer 400 or 409: authorisation let it through).
  "refused" means 401/403/404 or a redirect to a login page (`?next=`); for a write that names
  an object in its body or a list scoped by a query parameter (REFERENCES), also a 400 on that
  field (the API says "不存在或无权访问", the same for an object that does not exist).
  /healthz may answer 503 in the matrix run (no sync store there): it still let the caller in.
- Path parameters come from PARAMS below (by URL name: the object of the cell's scope); rows
  whose URL has parameters need an entry there. QUERY gives query strings (scoped list endpoints),
  BODY the JSON body a write is probed with (default `{}`).
- Methods: GET/POST/PUT/PATCH/DELETE as the view answers them (HEAD follows GET).
- Sync gateway entry points (dispatched by middleware, not in the URLconf) are rows keyed
  ("sync-gateway:<path>", method) in GATEWAY_ROWS.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

PASS, REFUSED = "pass", "refused"
ALL_SIGNED_IN = "admin supervisor inspector certifier enterprise"
FIELD_ROLES = "admin supervisor inspector"


def allow(roles: str = "", *, scoped: str = "", public: bool = False) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for role in ("anonymous", "admin", "supervisor", "inspector", "certifier", "enterprise"):
        if role in roles.split() or (role == "anonymous" and public):
            cells[role] = PASS
        elif role in scoped.split():
            cells[role] = {"own": PASS, "sibling": REFUSED if role == "enterprise" else PASS, "other": REFUSED}
        else:
            cells[role] = REFUSED
    return cells


# (url name, method) -> cells. Why a row reads as it does is in the comment beside it when it is
# not obvious from the contract.
MATRIX: dict[tuple[str, str], dict[str, Any]] = {
    # --- public (contract §0, §1): no sign-in ---
    ("healthz", "GET"): allow(ALL_SIGNED_IN, public=True),
    ("auth-token", "POST"): allow(ALL_SIGNED_IN, public=True),  # token login
    ("web-login", "GET"): allow(ALL_SIGNED_IN, public=True),
    ("web-login", "POST"): allow(ALL_SIGNED_IN, public=True),
    ("web-login", "PUT"): allow(ALL_SIGNED_IN, public=True),  # Django's LoginView answers PUT like POST
    ("web-logout", "POST"): allow(ALL_SIGNED_IN, public=True),  # logging out needs no sign-in
    ("web-logout", "GET"): allow(ALL_SIGNED_IN, public=True),  # 405 from Django 5: not a refusal
    # OpenAPI schema and its viewer: public on purpose. They describe the interface of contract §1–§14,
    # which is itself published; they hold no data, and generated clients and fuzzers fetch them
    # before they have a token.
    ("schema", "GET"): allow(ALL_SIGNED_IN, public=True),
    ("api-docs", "GET"): allow(ALL_SIGNED_IN, public=True),
    # --- accounts (§1) ---
    ("accounts", "GET"): allow("admin supervisor inspector certifier"),  # each sees what selectors allow
    ("accounts", "POST"): allow("admin"),
    ("accounts-me", "GET"): allow(ALL_SIGNED_IN),
    # --- campaigns (§8): the published plan, its phases and deadlines; operators need the deadlines ---
    ("campaigns", "GET"): allow(ALL_SIGNED_IN),
    # --- registry (§3) ---
    ("enterprises", "GET"): allow(ALL_SIGNED_IN),  # an operator's account: its own record only (§1, issue 10)
    ("enterprises", "POST"): allow("admin supervisor"),
    ("enterprises-csv", "GET"): allow("admin supervisor inspector certifier"),
    ("enterprises-xlsx", "GET"): allow("admin supervisor inspector certifier"),
    ("enterprise-detail", "GET"): allow("admin", scoped="supervisor inspector certifier enterprise"),
    ("enterprise-detail", "PATCH"): allow("admin", scoped="supervisor"),
    ("enterprise-licences", "POST"): allow("admin", scoped="supervisor"),
    ("enterprise-certificates", "POST"): allow("admin", scoped="supervisor"),
    ("unqualified-products", "GET"): allow("admin supervisor inspector certifier"),
    ("unqualified-products", "POST"): allow("admin supervisor"),
    # --- inspections and checklists (§3, §4, §5) ---
    ("inspections", "GET"): allow(FIELD_ROLES),
    ("inspections", "POST"): allow("admin supervisor"),
    ("inspection-detail", "GET"): allow("admin", scoped="supervisor inspector"),
    ("inspection-detail", "PATCH"): allow("admin", scoped="supervisor"),
    ("checklists", "GET"): allow("admin supervisor inspector certifier"),
    ("checklist-detail", "GET"): allow("admin supervisor inspector certifier"),
    ("quicktest-methods", "GET"): allow("admin supervisor inspector certifier"),
    ("quicktest-evaluate", "POST"): allow("admin supervisor inspector certifier"),
    # --- dossiers, photos, blobs, labels, samples (§5, §6) ---
    ("dossier-list", "GET"): allow(FIELD_ROLES),
    ("dossier-detail", "GET"): allow("admin", scoped="supervisor inspector"),
    ("photo-upload", "POST"): allow("inspector"),  # the assigned inspector (the service checks the inspection)
    ("dossier-photo-thumbnail", "GET"): allow("admin", scoped="supervisor inspector"),
    ("dossier-photo-original", "GET"): allow("admin", scoped="supervisor inspector"),
    ("blob", "PUT"): allow("admin inspector"),
    ("blob-slash", "PUT"): allow("admin inspector"),
    ("label-batch-list", "POST"): allow("admin supervisor"),
    ("label-batch-detail", "GET"): allow("admin", scoped="supervisor inspector"),
    ("label-batch-sheet-pdf", "GET"): allow("admin", scoped="supervisor inspector"),
    ("label-batch-sheet-png", "GET"): allow("admin", scoped="supervisor inspector"),
    # certifiers act for laboratories: every sample (dossiers.selectors.sample_get_visible)
    ("sample-detail", "GET"): allow("admin certifier", scoped="supervisor inspector"),
    ("sample-custody", "GET"): allow("admin certifier", scoped="supervisor"),
    ("sample-custody", "POST"): allow("admin certifier", scoped="supervisor"),
    # --- review and follow-up (§6) ---
    ("dossiers-export-csv", "GET"): allow(FIELD_ROLES),
    ("dossiers-export-xlsx", "GET"): allow(FIELD_ROLES),
    ("dossier-review", "POST"): allow("admin", scoped="supervisor"),
    ("dossier-conflict-resolve", "POST"): allow("admin", scoped="supervisor"),
    ("dossier-audit-trail", "GET"): allow("admin", scoped="supervisor inspector"),
    ("dossier-finding-candidates", "GET"): allow("admin", scoped="supervisor inspector"),
    ("dossier-export-pdf", "GET"): allow("admin", scoped="supervisor inspector"),
    ("dossier-export-zip", "GET"): allow("admin", scoped="supervisor inspector"),
    ("findings", "GET"): allow("admin", scoped="supervisor inspector"),
    ("findings", "POST"): allow("admin", scoped="supervisor"),
    ("rectification-orders", "GET"): allow("admin", scoped="supervisor inspector"),
    ("rectification-orders", "POST"): allow("admin", scoped="supervisor"),
    ("rectification-close", "POST"): allow("admin", scoped="supervisor"),
    ("enforcement-cases", "GET"): allow("admin", scoped="supervisor inspector"),
    ("enforcement-cases", "POST"): allow("admin", scoped="supervisor"),
    ("enforcement-case-status", "POST"): allow("admin", scoped="supervisor"),
    ("producer-notices", "POST"): allow("admin", scoped="supervisor"),
    ("producer-notice-ack", "POST"): allow("admin", scoped="supervisor"),
    ("certification-audits", "GET"): allow("admin supervisor inspector certifier"),
    ("certification-audits", "POST"): allow(scoped="certifier"),  # the body that issued the certificate
    ("certification-audit-report", "GET"): allow("admin", scoped="supervisor inspector certifier"),
    # --- supervisor pages (/ui/) ---
    ("web-dossiers", "GET"): allow("admin supervisor"),
    ("web-statistics", "GET"): allow("admin supervisor"),
    ("web-dossier", "GET"): allow("admin", scoped="supervisor"),
    ("web-dossier-review", "POST"): allow("admin", scoped="supervisor"),
    ("web-conflict-resolve", "POST"): allow("admin", scoped="supervisor"),
    ("web-finding-add", "POST"): allow("admin", scoped="supervisor"),
    ("web-rectification-issue", "POST"): allow("admin", scoped="supervisor"),
    ("web-rectification-close", "POST"): allow("admin", scoped="supervisor"),
    ("web-case-refer", "POST"): allow("admin", scoped="supervisor"),
    ("web-case-update", "POST"): allow("admin", scoped="supervisor"),
    # --- register survey, unqualified list, disposal, self-inspection (§9, §10; issue 10) ---
    ("enterprises-import", "POST"): allow("admin supervisor"),  # rows of another county: a row error
    # blank import forms: for the staff who import; operators cannot import, so the SignedIn default stands
    ("enterprises-import-template-csv", "GET"): allow("admin supervisor inspector certifier"),
    ("enterprises-import-template-xlsx", "GET"): allow("admin supervisor inspector certifier"),
    ("unqualified-products-import", "POST"): allow("admin supervisor"),
    ("unqualified-products-import-template-csv", "GET"): allow("admin supervisor inspector certifier"),
    ("unqualified-products-import-template-xlsx", "GET"): allow("admin supervisor inspector certifier"),
    # only the user who started the import: `own` is a key of the enterprise account's, the others not
    ("import-progress", "GET"): allow(scoped="enterprise"),
    ("unqualified-notices", "GET"): allow("admin supervisor enterprise"),  # each its jurisdiction / own copies
    ("unqualified-notices", "POST"): allow(scoped="supervisor"),  # §9: the supervisor, for their jurisdiction
    ("unqualified-notice-detail", "GET"): allow("admin", scoped="supervisor enterprise"),
    ("unqualified-notice-letter", "GET"): allow("admin", scoped="supervisor enterprise"),
    ("disposal-reports", "GET"): allow("admin supervisor enterprise"),  # scoped lists
    ("disposal-reports", "POST"): allow("admin", scoped="supervisor enterprise"),
    ("operator-rectification-orders", "GET"): allow("enterprise"),  # the caller's own enterprise's orders
    ("self-inspections", "GET"): allow(ALL_SIGNED_IN),  # scoped lists; inspectors' is empty
    # certifier: enterprises holding a CCC certificate of its body (own and sibling do, other's is another body)
    ("self-inspections", "POST"): allow("admin", scoped="supervisor certifier enterprise"),
    ("self-inspections-coverage", "GET"): allow("admin", scoped="supervisor"),
    # --- 双随机、一公开 draws (§11; issue 11); the `sibling` draw is the `own` one ---
    ("draws", "GET"): allow(FIELD_ROLES),  # draws whose jurisdiction overlaps the caller's
    ("draws", "POST"): allow("admin", scoped="supervisor"),
    ("draw-preview", "GET"): allow("admin", scoped="supervisor"),
    ("draw-detail", "GET"): allow("admin", scoped="supervisor inspector"),
    ("draw-execute", "POST"): allow("admin", scoped="supervisor"),
    ("inspector-unavailability", "GET"): allow(FIELD_ROLES),  # supervisor: jurisdiction; inspector: own periods
    ("inspector-unavailability", "POST"): allow("admin", scoped="supervisor"),  # supervisor covering the inspector
    ("inspector-unavailability-detail", "DELETE"): allow("admin", scoped="supervisor"),
    ("web-draws", "GET"): allow("admin supervisor"),
    ("web-draw-new", "GET"): allow("admin supervisor"),
    ("web-draw-announce", "POST"): allow("admin supervisor"),
    ("web-draw", "GET"): allow("admin", scoped="supervisor"),
    ("web-draw-execute", "POST"): allow("admin", scoped="supervisor"),
    ("public-draws", "GET"): allow(ALL_SIGNED_IN, public=True),  # 一公开: no sign-in
    ("public-draw", "GET"): allow(ALL_SIGNED_IN, public=True),
    ("public-draw-json", "GET"): allow(ALL_SIGNED_IN, public=True),
    ("public-draw-selection-table", "GET"): allow(ALL_SIGNED_IN, public=True),
    ("public-draws-verifier", "GET"): allow(ALL_SIGNED_IN, public=True),
    ("public-draws-rules", "GET"): allow(ALL_SIGNED_IN, public=True),
    # --- cases, risk, credit, statistics (§12, §13; issue 12) ---
    ("enforcement-case", "GET"): allow("admin", scoped="supervisor inspector"),
    ("enforcement-case-pdf", "GET"): allow("admin", scoped="supervisor inspector"),
    ("enforcement-case-reports", "GET"): allow("admin", scoped="supervisor inspector"),
    ("enforcement-case-reports", "POST"): allow("admin", scoped="supervisor"),
    ("enforcement-case-major", "POST"): allow("admin", scoped="supervisor"),
    ("producer-notices", "GET"): allow(FIELD_ROLES),  # scoped list
    ("producer-notice-recall", "POST"): allow("admin", scoped="supervisor"),  # as producer-notice-ack
    ("sampling-results", "GET"): allow(FIELD_ROLES),
    ("sampling-results-import", "POST"): allow("admin supervisor"),
    ("enterprise-risk", "GET"): allow("admin", scoped="supervisor inspector"),
    ("risk-list", "GET"): allow("admin supervisor"),  # scoped list
    ("serious-dishonesty", "GET"): allow("admin supervisor"),
    ("serious-dishonesty", "POST"): allow("admin", scoped="supervisor"),
    ("serious-dishonesty-remove", "POST"): allow("admin", scoped="supervisor"),
    ("public-serious-dishonesty", "GET"): allow(ALL_SIGNED_IN, public=True),
    ("statistics-campaign", "GET"): allow("admin", scoped="supervisor"),  # ?jurisdiction= elsewhere: 403
    ("statistics-campaign-xlsx", "GET"): allow("admin", scoped="supervisor"),
    ("statistics-campaign-records", "GET"): allow("admin", scoped="supervisor"),
    ("statistics-liaisons", "GET"): allow("admin supervisor"),
    ("statistics-liaisons", "POST"): allow("admin", scoped="supervisor"),
    ("statistics-liaisons-xlsx", "GET"): allow("admin supervisor"),
    ("web-cases", "GET"): allow("admin supervisor"),
    ("web-case", "GET"): allow("admin", scoped="supervisor"),
    ("web-case-report", "POST"): allow("admin", scoped="supervisor"),
    ("web-risk", "GET"): allow("admin supervisor"),
    ("web-statistics-campaign", "GET"): allow("admin supervisor"),
    ("web-statistics-records", "GET"): allow("admin supervisor"),
    # --- issue 10 pages ---
    ("web-campaign", "GET"): allow("admin supervisor"),
    ("web-register", "GET"): allow("admin supervisor"),
    ("web-register-import", "POST"): allow("admin supervisor"),
    ("web-unqualified", "GET"): allow("admin supervisor"),
    ("web-unqualified-import", "POST"): allow("admin supervisor"),
    ("web-unqualified-export", "GET"): allow("admin supervisor"),
    ("web-disposal-export", "GET"): allow("admin supervisor"),
    ("web-unqualified-notice-send", "POST"): allow("admin supervisor"),
    ("web-unqualified-notice", "GET"): allow("admin", scoped="supervisor"),
    ("web-unqualified-notice-export", "GET"): allow("admin", scoped="supervisor"),
    ("web-self-inspection-coverage", "GET"): allow("admin supervisor"),
    ("web-self-inspection-coverage-export", "GET"): allow("admin supervisor"),
    # --- the field app (§14; issue 15): the built files are public, the app signs in itself ---
    # the quick-test tables: as quicktest-evaluate (operators were refused that as a leak fix, issue 14)
    ("quicktest-tables", "GET"): allow("admin supervisor inspector certifier"),
    ("field-app", "GET"): allow(ALL_SIGNED_IN, public=True),
    ("field-sw", "GET"): allow(ALL_SIGNED_IN, public=True),
    ("field-manifest", "GET"): allow(ALL_SIGNED_IN, public=True),
    ("field-asset", "GET"): allow(ALL_SIGNED_IN, public=True),
    # --- Django admin: staff only ---
    ("admin:*", "GET"): allow("admin"),
}

# The sync gateway (contract §5): dispatched by sync.middleware before the URLconf. Field sync is
# for admin, supervisors and inspectors; certifiers and operators (`enterprise`) cannot sync.
GATEWAY_ROWS: dict[tuple[str, str], dict[str, Any]] = {
    ("sync-gateway:", "GET"): allow(FIELD_ROLES),
    ("sync-gateway:_changes", "GET"): allow(FIELD_ROLES),
    ("sync-gateway:_all_docs", "GET"): allow(FIELD_ROLES),
    ("sync-gateway:_bulk_docs", "POST"): allow("admin inspector supervisor"),  # supervisors: read-only, per doc
    ("sync-gateway:_revs_diff", "POST"): allow(FIELD_ROLES),
    ("sync-gateway:_local/mx", "PUT"): allow(FIELD_ROLES),  # a checkpoint write
}


def _s(world, scope):
    return world.side(scope)


def _world():
    from . import world

    return world


def _first_asset() -> str:
    from server.field.selectors import dist_dir

    return sorted(p.name for p in (dist_dir() / "assets").iterdir() if p.is_file())[0]


# URL name -> (world, scope) -> path kwargs.
PARAMS: dict[str, Callable[[Any, str], dict[str, Any]]] = {
    "enterprise-detail": lambda w, s: {"pk": _s(w, s).enterprise.pk},
    "enterprise-licences": lambda w, s: {"pk": _s(w, s).enterprise.pk},
    "enterprise-certificates": lambda w, s: {"pk": _s(w, s).enterprise.pk},
    "inspection-detail": lambda w, s: {"pk": _s(w, s).inspection.pk},
    "checklist-detail": lambda w, s: {"checklist_id": _s(w, s).inspection.checklist_id},
    "dossier-detail": lambda w, s: {"inspection_id": _s(w, s).inspection.pk},
    "dossier-photo-thumbnail": lambda w, s: {"photo_id": _s(w, s).photo.doc_id},
    "dossier-photo-original": lambda w, s: {"photo_id": _s(w, s).photo.doc_id},
    "blob": lambda w, s: {"sha256": "0" * 64},
    "blob-slash": lambda w, s: {"sha256": "0" * 64},
    "label-batch-detail": lambda w, s: {"batch_id": _s(w, s).batch.pk},
    "label-batch-sheet-pdf": lambda w, s: {"batch_id": _s(w, s).batch.pk},
    "label-batch-sheet-png": lambda w, s: {"batch_id": _s(w, s).batch.pk},
    "sample-detail": lambda w, s: {"label_code": _s(w, s).sample.label_code},
    "sample-custody": lambda w, s: {"label_code": _s(w, s).sample.label_code},
    "rectification-close": lambda w, s: {"pk": _s(w, s).order.pk},
    "enforcement-case-status": lambda w, s: {"pk": _s(w, s).case.pk},
    "producer-notice-ack": lambda w, s: {"pk": _s(w, s).notice.pk},
    "certification-audit-report": lambda w, s: {"pk": _s(w, s).audit.pk},
    "web-case-update": lambda w, s: {"pk": _s(w, s).inspection.pk, "case_id": _s(w, s).case.pk},
    # issue 10
    "import-progress": lambda w, s: {"key": _world().import_progress(w, s)},
    "unqualified-notice-detail": lambda w, s: {"pk": _s(w, s).unqualified_notice.pk},
    "unqualified-notice-letter": lambda w, s: {"pk": _s(w, s).unqualified_notice.pk, "enterprise": _s(w, s).enterprise.pk},
    "web-unqualified-notice": lambda w, s: {"pk": _s(w, s).unqualified_notice.pk},
    "web-unqualified-notice-export": lambda w, s: {"pk": _s(w, s).unqualified_notice.pk, "fmt": "csv"},
    "web-unqualified-export": lambda w, s: {"fmt": "csv"},
    "web-disposal-export": lambda w, s: {"fmt": "csv"},
    "web-self-inspection-coverage-export": lambda w, s: {"fmt": "csv"},
    # issue 11
    "draw-detail": lambda w, s: {"pk": _s(w, s).draw.pk},
    "draw-execute": lambda w, s: {"pk": _s(w, s).draw.pk},
    "inspector-unavailability-detail": lambda w, s: {"pk": _world().unavailability(w, s).pk},
    "web-draw": lambda w, s: {"pk": _s(w, s).draw.pk},
    "web-draw-execute": lambda w, s: {"pk": _s(w, s).draw.pk},
    "public-draw": lambda w, s: {"pk": _s(w, s).draw.pk},
    "public-draw-json": lambda w, s: {"pk": _s(w, s).draw.pk},
    "public-draw-selection-table": lambda w, s: {"pk": _s(w, s).draw.pk, "extension": "csv"},
    # issue 12
    "enforcement-case": lambda w, s: {"pk": _s(w, s).case.pk},
    "enforcement-case-pdf": lambda w, s: {"pk": _s(w, s).case.pk},
    "enforcement-case-reports": lambda w, s: {"pk": _s(w, s).case.pk},
    "enforcement-case-major": lambda w, s: {"pk": _s(w, s).case.pk},
    "producer-notice-recall": lambda w, s: {"pk": _s(w, s).notice.pk},
    "enterprise-risk": lambda w, s: {"pk": _s(w, s).enterprise.pk},
    "serious-dishonesty-remove": lambda w, s: {"pk": _world().dishonesty(w, s).pk},
    "statistics-campaign": lambda w, s: {"code": "jieyang-2019"},
    "statistics-campaign-xlsx": lambda w, s: {"code": "jieyang-2019"},
    "statistics-campaign-records": lambda w, s: {"code": "jieyang-2019"},
    "web-case": lambda w, s: {"pk": _s(w, s).case.pk},
    "web-case-report": lambda w, s: {"pk": _s(w, s).case.pk},
    "web-statistics-campaign": lambda w, s: {"code": "jieyang-2019"},
    "web-statistics-records": lambda w, s: {"code": "jieyang-2019"},
    # issue 15: the first built asset
    "field-asset": lambda w, s: {"name": _first_asset()},
}
for _name in ("dossier-review", "dossier-conflict-resolve", "dossier-audit-trail", "dossier-finding-candidates",
              "dossier-export-pdf", "dossier-export-zip", "web-dossier", "web-dossier-review", "web-conflict-resolve",
              "web-finding-add", "web-rectification-issue", "web-rectification-close", "web-case-refer"):
    PARAMS[_name] = lambda w, s: {"pk": _s(w, s).inspection.pk}

# URL name -> (world, scope) -> query string, for list endpoints scoped by a query parameter.
QUERY: dict[str, Callable[[Any, str], str]] = {
    "findings": lambda w, s: f"inspection={_s(w, s).inspection.pk}",
    "rectification-orders": lambda w, s: f"inspection={_s(w, s).inspection.pk}",
    "enforcement-cases": lambda w, s: f"inspection={_s(w, s).inspection.pk}",
    "self-inspections-coverage": lambda w, s: f"jurisdiction={_s(w, s).jurisdiction}",
    "draw-preview": lambda w, s: (f"jurisdiction={_s(w, s).jurisdiction}&product_category=wire-cable"
                                  "&population=producers&percent=10"),
    "statistics-campaign": lambda w, s: f"jurisdiction={_s(w, s).jurisdiction}",
    "statistics-campaign-xlsx": lambda w, s: f"jurisdiction={_s(w, s).jurisdiction}",
    "statistics-campaign-records": lambda w, s: f"jurisdiction={_s(w, s).jurisdiction}&figure=register.producers",
}

# URL name -> the body/query field naming the scoped object (a 400 on it is a refusal, see above).
REFERENCES: dict[str, str] = {
    "findings": "inspection", "rectification-orders": "inspection", "enforcement-cases": "inspection",
    "producer-notices": "finding",
    # a jurisdiction outside the caller's: 400 "辖区 … 不在您的辖区内" on the field
    "self-inspections-coverage": "jurisdiction", "unqualified-notices": "jurisdiction",
}

# (URL name, method) -> (world, scope) -> JSON body for the write probe (default {}); a body naming
# the scope's object makes the service's own scope check the one that answers.
BODY: dict[tuple[str, str], Callable[[Any, str], Any]] = {
    ("findings", "POST"): lambda w, s: {"inspection": str(_s(w, s).inspection.pk), "item_code": "mark-1",
                                        "severity": "minor", "description": "矩阵探测"},
    ("rectification-orders", "POST"): lambda w, s: {"inspection": str(_s(w, s).inspection.pk),
                                                    "findings": [_s(w, s).finding.pk], "requirements": "补标厂址",
                                                    "deadline": "2030-01-01"},
    ("enforcement-cases", "POST"): lambda w, s: {"inspection": str(_s(w, s).inspection.pk),
                                                 "findings": [_s(w, s).finding.pk], "reason": "涉嫌无厂址"},
    ("producer-notices", "POST"): lambda w, s: {"finding": _s(w, s).finding.pk, "defect_description": "标志缺厂址"},
    ("certification-audits", "POST"): lambda w, s: {"certificate": _s(w, s).certificate.number,
                                                    "enterprise": _s(w, s).enterprise.pk, "category": "wire-cable",
                                                    "result": "maintained", "date": "2019-07-01"},
    ("inspections", "POST"): lambda w, s: {"enterprise": _s(w, s).enterprise.pk, "product_category": "wire-cable",
                                           "domain": "production", "inspectors": [], "scheduled_for": "2019-07-01"},
    ("dossier-review", "POST"): lambda w, s: {"decision": "return", "comment": "矩阵探测"},
    ("rectification-close", "POST"): lambda w, s: {"result": "rectified"},
    ("unqualified-notices", "POST"): lambda w, s: {"jurisdiction": _s(w, s).jurisdiction,
                                                   "product_categories": ["wire-cable"]},
    ("disposal-reports", "POST"): lambda w, s: {"enterprise": _s(w, s).enterprise.pk,
                                                "unqualified_product": w.unqualified_product.pk,
                                                "action": "stopped-sale", "harm_caused": False},
    ("self-inspections", "POST"): lambda w, s: {"enterprise": _s(w, s).enterprise.pk, "product_category": "wire-cable",
                                                "campaign": "jieyang-2019", "submitted_on": "2019-08-01",
                                                "items": [{"topic": "标志", "result": "ok", "description": ""}]},
    ("draws", "POST"): lambda w, s: {"campaign": "jieyang-2019", "jurisdiction": _s(w, s).jurisdiction,
                                     "product_category": "wire-cable", "domain": "production",
                                     "population": "producers", "percent": 10, "scheduled_for": "2030-01-01"},
    ("draw-execute", "POST"): lambda w, s: {"beacon": "矩阵探测"},
    ("inspector-unavailability", "POST"): lambda w, s: {"inspector": _s(w, s).inspector.username,
                                                        "starts": "2030-02-01", "ends": "2030-02-02", "kind": "leave"},
    ("enforcement-case-reports", "POST"): lambda w, s: {"summary": "矩阵探测", "status": "referred"},
    ("enforcement-case-major", "POST"): lambda w, s: {"major": False},
    ("producer-notice-recall", "POST"): lambda w, s: {"stage": "investigating", "note": "矩阵探测"},
    ("serious-dishonesty", "POST"): lambda w, s: {"enterprise": _s(w, s).enterprise.pk, "basis": "矩阵探测",
                                                  "decided_on": "2019-07-01"},
    ("serious-dishonesty-remove", "POST"): lambda w, s: {"reason": "矩阵探测"},
    ("statistics-liaisons", "POST"): lambda w, s: {"campaign": "jieyang-2019", "jurisdiction": _s(w, s).jurisdiction,
                                                   "name": "矩阵", "mobile": "13800000000"},
}
