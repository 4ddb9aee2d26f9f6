from django.urls import path

from svidok.evidence import views

app_name = "evidence"

urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("bundle/<str:reference>/", views.bundle, name="bundle"),
    path("<uuid:uuid>/", views.item_detail, name="item"),
    path("<uuid:uuid>/download/", views.download, name="download"),
    path("<uuid:uuid>/thumbnail.png", views.thumbnail, name="thumbnail"),
]
