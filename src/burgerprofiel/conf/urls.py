from django.urls import path

from burgerprofiel.api.api import api
from burgerprofiel.backoffice.site import site as backoffice_site
from burgerprofiel.common import views as ops
from burgerprofiel.oauth import views as oauth

urlpatterns = [
    path("", ops.home, name="home"),
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics, name="metrics"),
    path("oauth/token", oauth.token, name="oauth-token"),
    path("oauth/jwks", oauth.jwks, name="oauth-jwks"),
    path("api/v1/", api.urls),
    path("backoffice/", backoffice_site.urls),
]
