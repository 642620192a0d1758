"""The quick-test tables for the field app (contract §14): one source of truth for device verdicts."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors


class QuickTestTablesApi(APIView):
    """GET /api/v1/quicktests/tables/: every method's description and the full tables it judges
    against, exactly as checklists.engine.method_tables() gives them. Who may: the same as
    quicktests/evaluate (admin, supervisor, inspector, certifier); an operator's account is refused
    by the SignedIn default (no `enterprise_access`), as it is for the checklists and evaluate."""

    @extend_schema(responses=dict)
    def get(self, request):
        return Response(selectors.quicktest_catalogue())



