from django.shortcuts import get_object_or_404, render

from .selectors import program_published


def program_list(request):
    return render(request, "programs/program_list.html", {"programs": program_published().order_by("name")})


def program_detail(request, code):
    program = get_object_or_404(program_published(), code=code)
    return render(request, "programs/program_detail.html", {"program": program})
