"""Checklists (contract §4) and the quick-test judgement (contract §5) over REST."""
from __future__ import annotations

import checklists
from checklists.engine import InputError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from server.api import query
from server.api.errors import FieldError
from server.registry.choices import ProductCategory


class ChecklistSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    category = serializers.CharField()
    version = serializers.IntegerField()
    title = serializers.CharField()


class ChecklistListApi(APIView):
    @extend_schema(responses=ChecklistSummarySerializer(many=True),
                   parameters=[query.param("category", enum=ProductCategory.values)])
    def get(self, request):
        docs = checklists.load_all()
        category = query.choice(request, "category", choices=ProductCategory.values)
        if category:
            docs = [d for d in docs if d["category"] == category]
        return Response(
            [{"id": d["_id"], "category": d["category"], "version": d["version"], "title": d["title"]} for d in docs]
        )


class ChecklistDetailApi(APIView):
    @extend_schema(responses=dict)
    def get(self, request, checklist_id: str):
        doc = checklists.get(checklist_id)
        if doc is None:
            raise Http404
        return Response(doc)


class QuickTestMethodsApi(APIView):
    @extend_schema(responses=dict)
    def get(self, request):
        return Response(checklists.engine.methods())


class EvaluateInputSerializer(serializers.Serializer):
    method = serializers.CharField(max_length=64)
    inputs = serializers.DictField()


class EvaluateApi(APIView):
    @extend_schema(request=EvaluateInputSerializer, responses=dict)
    def post(self, request):
        serializer = EvaluateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            judgement = checklists.engine.evaluate(
                method=serializer.validated_data["method"], inputs=serializer.validated_data["inputs"]
            )
        except InputError as exc:
            raise FieldError(exc.field, exc.message) from exc
        return Response(judgement)
