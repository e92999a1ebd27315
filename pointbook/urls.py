from django.urls import path

from . import views

urlpatterns = [
    path("my/points/", views.my_points, name="my_points"),
    path("staff/records/", views.staff_records, name="staff_records"),
    path("staff/records/<int:pk>/<str:action>/", views.staff_record_decide, name="staff_record_decide"),
]
