"""Unqualified-product notices, their letters, disposal reports and the operator's inbox (contract §9)."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import Role
from server.api.errors import FieldError
from server.api.permissions import HasRole

from . import notices
from server.api.parsers import SafeJSONParser
from .models import DisposalAction, Enterprise, UnqualifiedProduct

Supervisors = HasRole.of(Role.SUPERVISOR)
Readers = HasRole.of(Role.ADMIN, Role.SUPERVISOR, Role.ENTERPRISE)
Reporters = HasRole.of(Role.ADMIN, Role.SUPERVISOR, Role.ENTERPRISE)


class NoticeInputSerializer(serializers.Serializer):
    jurisdiction = serializers.RegexField(r"^[0-9]{6}$", max_length=6)
    product_categories = serializers.ListField(child=serializers.CharField(max_length=64), allow_empty=False, max_length=6)


class NoticeListCreateApi(APIView):
    """POST (supervisor): send the list; GET (admin, supervisor: their jurisdiction; enterprise: its copies)."""

    parser_classes = [SafeJSONParser]

    def get_permissions(self):
        return [Supervisors()] if self.request.method == "POST" else [Readers()]

    @extend_schema(responses=dict)
    def get(self, request):
        qs = notices.notice_list_visible(user=request.user)[:500]
        return Response([notices.notice_dict(notice=n, user=request.user) for n in qs])

    @extend_schema(request=NoticeInputSerializer, responses={201: dict, 200: dict})
    def post(self, request):
        serializer = NoticeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notice, created = notices.notice_send(actor=request.user, **serializer.validated_data)
        body = notices.notice_dict(notice=notice, user=request.user, with_products=False)
        return Response({"id": body["id"], "recipients": body["recipients"], "sent_at": body["sent_at"]},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _notice(request, pk: int):
    notice = notices.notice_list_visible(user=request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


class NoticeDetailApi(APIView):
    permission_classes = [Readers]

    @extend_schema(responses=dict)
    def get(self, request, pk: int):
        return Response(notices.notice_dict(notice=_notice(request, pk), user=request.user))


class NoticeLetterApi(APIView):
    """GET …/notices/{id}/letter/{enterprise}.pdf: one recipient's letter (its enterprise account, or staff)."""

    permission_classes = [Readers]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int, enterprise: int):
        from server.reviews.exports import FontMissing

        from .letters import notice_letter_pdf

        notice = _notice(request, pk)
        copy = notices.recipients_visible(user=request.user, notice=notice).filter(enterprise_id=enterprise).first()
        if copy is None:
            raise Http404
        try:
            pdf = notice_letter_pdf(copy=copy)
        except FontMissing as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="notice-{pk}-{enterprise}.pdf"'
        return response


class DisposalInputSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(min_value=1, max_value=2**62)
    unqualified_product = serializers.IntegerField(min_value=1, max_value=2**62)
    action = serializers.ChoiceField(choices=DisposalAction.values)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0, required=False, allow_null=True)
    stopped_sale_on = serializers.DateField(required=False, allow_null=True)
    reported_on = serializers.DateField(required=False, allow_null=True)
    harm_caused = serializers.BooleanField()
    complaint_received_on = serializers.DateField(required=False, allow_null=True)


class DisposalReportListCreateApi(APIView):
    """POST: supervisor (enterprise in jurisdiction), the enterprise's own account, admin. GET: scoped."""

    parser_classes = [SafeJSONParser]

    permission_classes = [Reporters]

    @extend_schema(responses=dict)
    def get(self, request):
        qs = notices.disposal_list_visible(user=request.user)[:5000]
        return Response([notices.disposal_dict(r) for r in qs])

    @extend_schema(request=DisposalInputSerializer, responses={201: dict, 200: dict})
    def post(self, request):
        serializer = DisposalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        enterprise = Enterprise.objects.filter(pk=data.pop("enterprise")).first()
        if enterprise is None:
            raise FieldError("enterprise", "没有该企业")
        product = UnqualifiedProduct.objects.filter(pk=data.pop("unqualified_product")).first()
        if product is None:
            raise FieldError("unqualified_product", "没有该不合格产品")
        report, created = notices.disposal_report_submit(
            actor=request.user, enterprise=enterprise, product=product, quantity=data.get("quantity"),
            stopped_sale_on=data.get("stopped_sale_on"), reported_on=data.get("reported_on"),
            harm_caused=data["harm_caused"], action=data["action"],
            complaint_received_on=data.get("complaint_received_on"))
        return Response(notices.disposal_dict(report), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OperatorRectificationOrdersApi(APIView):
    """GET /api/v1/operator/rectification-orders/: the rectification orders issued to the caller's
    own enterprise (role enterprise only)."""

    permission_classes = [HasRole.of(Role.ENTERPRISE)]

    @extend_schema(responses=dict)
    def get(self, request):
        from server.reviews.models import RectificationOrder
        from server.reviews.selectors import rectification_dict

        orders = RectificationOrder.objects.filter(inspection__enterprise_id=request.user.enterprise_id) \
            .select_related("issued_by", "closed_by").prefetch_related("findings").order_by("-issued_at", "-pk")
        out = []
        for order in orders:
            body = rectification_dict(order)
            body["findings"] = [{"id": f.pk, "item_code": f.item_code, "description": f.description}
                                for f in order.findings.all()]
            out.append(body)
        return Response(out)
