from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors


class CampaignListApi(APIView):
    """Every signed-in user may read the campaigns and their deadlines (contract §8), operators too:
    the plan's deadlines (self-inspection reports, §10) are theirs to meet."""

    enterprise_access = True

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response([selectors.campaign_as_dict(campaign=c) for c in selectors.campaign_list()])
