"""Supervisor pages for draws (filled in below)."""
from django.http import HttpResponse


def draw_list(request):
    return HttpResponse(status=501)


draw_new = draw_announce = draw_detail = draw_execute = draw_list
