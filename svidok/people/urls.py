from django.urls import path

from svidok.people import views

app_name = "people"
urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<uuid:uuid>/", views.person_detail, name="person_detail"),
    path("persons/<uuid:uuid>/edit/", views.person_edit, name="person_edit"),
    path("persons/<uuid:uuid>/names/", views.person_add_name, name="person_add_name"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/<uuid:uuid>/", views.organization_detail, name="organization_detail"),
    path("organizations/<uuid:uuid>/edit/", views.organization_edit, name="organization_edit"),
    path("organizations/<uuid:uuid>/names/", views.organization_add_name, name="organization_add_name"),
]
