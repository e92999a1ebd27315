"""Public and contributor-facing recognition pages: certificate verification, leaderboards, the public
notice of nominees (with objections)."""

from django.shortcuts import render

from . import certificates


def certificate_verify(request, code):
    """Where a certificate's or statement's QR code leads: genuine or not, revoked or not."""
    certificate = certificates.certificate_by_code(code)
    status = 404 if certificate is None else 200
    return render(request, "pointbook/certificate_verify.html", {"certificate": certificate}, status=status)
