from django.urls import path

from svidok.sanctions import views

# Under /people/ as before the sanctions app had its own: the addresses did not change.
app_name = "sanctions"
urlpatterns = [
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<uuid:uuid>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<uuid:uuid>/edit/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<uuid:uuid>/members/", views.proposal_add_member, name="proposal_add_member"),
    path("proposals/<uuid:uuid>/members/<uuid:member_uuid>/", views.proposal_member, name="proposal_member"),
    path("proposals/<uuid:uuid>/members/<uuid:member_uuid>/listing/", views.proposal_member_listing,
         name="proposal_member_listing"),
    path("proposals/<uuid:uuid>/members/<uuid:member_uuid>/review/", views.proposal_member_review,
         name="proposal_member_review"),
    path("proposals/<uuid:uuid>/members/<uuid:member_uuid>/remove/", views.proposal_member_remove,
         name="proposal_member_remove"),
    path("proposals/<uuid:uuid>/export/<slug:fmt>/", views.proposal_export, name="proposal_export"),
    path("proposals/<uuid:uuid>/<slug:action>/", views.proposal_action, name="proposal_action"),
]
