"""The one progress endpoint every job page polls (imports, exports, reports, re-scoring…)."""

from django.http import Http404, JsonResponse

from core.jobs import job_extension, job_state
from core.models import Job
from volunteers.models import Region
from volunteers.people.views import staff_required


@staff_required
def staff_job(request, scope, pk):
    """A job's status and progress, for staff whose area holds its region (or who asked for a job that
    has no region)."""
    job = Job.objects.filter(pk=pk).first()
    if job is None:
        raise Http404
    region_id = getattr(job_extension(job), "region_id", None)
    if region_id is None:
        allowed = job.requested_by_id == request.user.pk
    else:
        allowed = Region.objects.filter(pk=region_id, path__startswith=scope.path).exists()
    if not allowed:
        raise Http404
    return JsonResponse(job_state(job))
