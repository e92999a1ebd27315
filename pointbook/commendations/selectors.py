from pointbook.models import Certificate


def certificates_of(contributor):
    """The contributor's award certificates, newest first (revoked ones too, marked)."""
    return Certificate.objects.filter(contributor=contributor, kind=Certificate.Kind.AWARD).order_by("-year", "-id")
