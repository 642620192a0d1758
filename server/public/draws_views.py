"""Public draw pages (一公开, no sign-in): HTML for people, JSON for programs, and the verifier.

JSON is chosen by `?format=json`, by an `Accept` header that asks for application/json and not
text/html, or by the `.json` address (`/public/draws/{id}.json`, served as a download). The list
is paginated (50 draws a page); a draw's HTML page shows its population 1,000 entries a page and
its selection 500 a page; its JSON record is complete (the hash covers the whole population) and
is streamed."""
from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from server.draws.models import DrawStatus, UnavailabilityKind

from . import draws_selectors as selectors

POPULATION_PER_PAGE = 1000
SELECTION_PER_PAGE = 500
VERIFIER = Path(__file__).resolve().parents[1] / "draws" / "verifier" / "verify.py"
RULES = Path(__file__).resolve().parents[1] / "draws" / "RULES.md"
REASON_LABELS = {"avoidance": "回避（上次同类抽查检查过该企业）",
                 **{f"unavailable:{k}": f"不可用：{label}" for k, label in UnavailabilityKind.choices}}
RESULT_LABELS = {"no-problem": "未发现问题", "problems-found": "发现问题"}


def _local(text: str | None) -> str:
    """An ISO time from the record as people read it here: Asia/Shanghai, to the second."""
    if not text:
        return ""
    import datetime as dt

    from django.utils import timezone

    return timezone.localtime(dt.datetime.fromisoformat(text)).strftime("%Y-%m-%d %H:%M:%S")


def _for_people(head: dict) -> dict:
    return {**head, "announced_local": _local(head["announced_at"]), "executed_local": _local(head["executed_at"])}


def wants_json(request: HttpRequest) -> bool:
    if request.GET.get("format") == "json":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _not_found(request: HttpRequest):
    if wants_json(request):
        return _json({"detail": "未找到该抽查 (no such draw)"}, status=404)
    raise Http404


@require_GET
def draw_list(request: HttpRequest) -> HttpResponse:
    page = selectors.draw_list_page(page=selectors.page_number(request.GET.get("page")))
    if wants_json(request):
        base = request.build_absolute_uri(reverse("public-draws"))
        for row in page.rows:
            row["url"] = request.build_absolute_uri(reverse("public-draw", args=[row["id"]]))
            row["json"] = request.build_absolute_uri(reverse("public-draw-json", args=[row["id"]]))
        return _json({
            "count": page.count, "page": page.number, "pages": page.pages,
            "next": f"{base}?format=json&page={page.number + 1}" if page.has_next else None,
            "previous": f"{base}?format=json&page={page.number - 1}" if page.has_previous else None,
            "verifier": request.build_absolute_uri(reverse("public-draws-verifier")),
            "results": page.rows,
        })
    page.rows[:] = [_for_people(row) for row in page.rows]
    return render(request, "public/draws_list.html", {"page": page})


def _record(request: HttpRequest, draw, *, download: bool) -> StreamingHttpResponse:
    chunks = selectors.draw_record_chunks(
        draw=draw, verifier_url=request.build_absolute_uri(reverse("public-draws-verifier")),
        rules_url=request.build_absolute_uri(reverse("public-draws-rules")),
    )
    response = StreamingHttpResponse((c.encode("utf-8") for c in chunks),
                                     content_type="application/json; charset=utf-8")
    if download:
        response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}.json"'
    return response


@require_GET
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get(draw_id=pk)
    if draw is None:
        return _not_found(request)
    if wants_json(request):
        return _record(request, draw, download=False)
    population = selectors.population_page(draw=draw, page=selectors.page_number(request.GET.get("page")),
                                           per_page=POPULATION_PER_PAGE)
    selection = None
    if draw.status == DrawStatus.DRAWN:
        selection = selectors.selection_page(draw=draw, page=selectors.page_number(request.GET.get("spage")),
                                             per_page=SELECTION_PER_PAGE)
        for row in selection.rows:
            row["excluded_labels"] = [
                {"username": x["username"], "reason": REASON_LABELS.get(x["reason"], x["reason"])} for x in row["excluded"]]
            row["result_label"] = RESULT_LABELS.get(row["result"], "")
    return render(request, "public/draws_detail.html", {
        "draw": _for_people(selectors.draw_head(draw=draw)), "population": population, "selection": selection,
        "counties": selectors.county_summary(draw=draw),
        "results": selectors.results_summary(draw=draw) if selection is not None else None,
        "verifier_url": request.build_absolute_uri(reverse("public-draws-verifier")),
        "json_url": request.build_absolute_uri(reverse("public-draw-json", args=[draw.pk])),
    })


@require_GET
def draw_json(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get(draw_id=pk)
    if draw is None:
        return _json({"detail": "未找到该抽查 (no such draw)"}, status=404)
    return _record(request, draw, download=True)


SELECTION_COLUMNS = [
    ("jurisdiction", "县级辖区"), ("rank", "序"), ("name", "企业"), ("credit_code", "统一社会信用代码"),
    ("inspectors", "检查人员"), ("eligible", "可抽取人员（按规则排序）"), ("excluded", "排除及原因"),
    ("result", "检查结果"), ("findings", "问题数"),
]


@require_GET
def selection_table(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    """The selection as a spreadsheet (CSV or XLSX), the same public fields as the page."""
    from server.api import tables

    if extension not in ("csv", "xlsx"):
        return _json({"detail": "格式应为 csv 或 xlsx (csv or xlsx)"}, status=404)
    draw = selectors.draw_get(draw_id=pk)
    if draw is None:
        return _json({"detail": "未找到该抽查 (no such draw)"}, status=404)
    rows = []
    if draw.status == DrawStatus.DRAWN:
        page = selectors.selection_page(draw=draw, page=1, per_page=10**7)
        for row in page.rows:
            rows.append({
                **row, "inspectors": "、".join(row["inspectors"]), "eligible": "、".join(row["eligible"]),
                "excluded": "；".join(f"{x['username']}：{REASON_LABELS.get(x['reason'], x['reason'])}"
                                     for x in row["excluded"]),
                "result": RESULT_LABELS.get(row["result"], "待公布"),
            })
    if extension == "csv":
        data = tables.csv_bytes(columns=SELECTION_COLUMNS, rows=rows)
    else:
        data = tables.xlsx_bytes(columns=SELECTION_COLUMNS, rows=rows, title=f"第{draw.pk}号抽查",
                                 widths=[10, 6, 34, 22, 20, 40, 40, 12, 8])
    return tables.download(data=data, filename=f"draw-{draw.pk}-selection.{extension}")


@require_GET
def verifier(request: HttpRequest) -> FileResponse:
    response = FileResponse(VERIFIER.open("rb"), content_type="text/x-python; charset=utf-8", as_attachment=True,
                            filename="verify.py")
    return response


@require_GET
def rules(request: HttpRequest) -> FileResponse:
    return FileResponse(RULES.open("rb"), content_type="text/markdown; charset=utf-8")
