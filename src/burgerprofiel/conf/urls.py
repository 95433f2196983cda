from django.urls import include, path

from burgerprofiel.api import oauth, provider_webhooks
from burgerprofiel.api.api import api, dosis_v2_api
from burgerprofiel.backoffice.site import site as backoffice_site
from burgerprofiel.common import views as ops

urlpatterns = [
    path("api/", ops.home, name="api-index"),
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics, name="metrics"),
    path("oauth/token", oauth.token, name="oauth-token"),
    path("oauth/jwks", oauth.jwks, name="oauth-jwks"),
    path("audit/jwks", oauth.audit_jwks, name="audit-jwks"),
    path("betaaldienst/webhook", provider_webhooks.payment_provider_webhook, name="payment-provider-webhook"),
    path("api/v2/", dosis_v2_api.urls),
    path("api/v1/", api.urls),
    path("backoffice/", backoffice_site.urls),
    # The citizen portal (Dutch paths): its own pages and those of each capability.
    path("", include("burgerprofiel.portal.urls")),
]

# A request Django will not read (too many parameters, a form too large): the portal's own page.
handler400 = "burgerprofiel.portal.views.errors.bad_request"
# The back-office's own pages for "not found" and "no access"; elsewhere Django's defaults.
handler403 = "burgerprofiel.backoffice.errors.forbidden"
handler404 = "burgerprofiel.backoffice.errors.not_found"
