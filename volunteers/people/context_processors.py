from volunteers.people.selectors import user_roles


def roles(request):
    computed = getattr(request, "pb_roles", None)
    if computed is None:
        computed = user_roles(request.user)
    return {"roles": computed}
