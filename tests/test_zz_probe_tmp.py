from wagtail.models import Page, PageViewRestriction


def test_probe(rota, client_for):
    c = client_for("staff_b")
    a, b = rota.opportunity_a, rota.opportunity_b
    index = a.get_parent()
    for method, path, data in [
        ("get", f"/cms-admin/pages/{index.pk}/", None),
        ("get", f"/cms-admin/pages/search/?q=值班", None),
        ("get", f"/cms-admin/pages/{a.pk}/view_draft/", None),
        ("get", f"/cms-admin/pages/{a.pk}/history/", None),
        ("get", f"/cms-admin/pages/{a.pk}/revisions/", None),
        ("get", f"/cms-admin/pages/{a.pk}/usage/", None),
        ("get", f"/cms-admin/pages/{a.pk}/privacy/", None),
        ("post", f"/cms-admin/pages/{a.pk}/privacy/", {"restriction_type": "password", "password": "x1234567"}),
        ("post", f"/cms-admin/pages/{a.pk}/lock/", {}),
        ("post", f"/cms-admin/pages/{a.pk}/edit/", {"title": "hacked"}),
        ("get", f"/cms-admin/pages/{a.pk}/delete/", None),
        ("post", f"/cms-admin/pages/{a.pk}/delete/", {}),
        ("post", f"/cms-admin/pages/{a.pk}/unpublish/", {}),
        ("get", f"/cms-admin/pages/{a.pk}/copy/", None),
        ("get", f"/cms-admin/pages/{a.pk}/move/", None),
        ("get", f"/cms-admin/choose-page/search/?q=值班", None),
        ("get", f"/cms-admin/choose-page/{index.pk}/", None),
    ]:
        r = getattr(c, method)(path, data) if data is not None else c.get(path)
        body = r.content.decode(errors="replace")
        print(method, path, r.status_code, r.get("Location"), "A-title" if a.title in body else "", "B-title" if b.title in body else "")
    a.refresh_from_db()
    print("locked", a.locked, "restrictions", PageViewRestriction.objects.filter(page=a).count(), "title", a.title, a.live)
    assert 0
