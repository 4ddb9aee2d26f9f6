from django.urls import path

from svidok.people import views

app_name = "people"
urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
    path("persons/<uuid:uuid>/", views.person_detail, name="person_detail"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/<uuid:uuid>/", views.organization_detail, name="organization_detail"),
]
