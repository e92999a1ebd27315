from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo city (`manage.py seed_demo`): people, rota, three years of points, pages."""

    name = "demo"
