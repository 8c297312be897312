from django.urls import include, path

from . import views

urlpatterns = [
    path("auth/login", views.LoginView.as_view(), name="login"),
    path("auth/logout", views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("", include("crm.page_urls")),
]
