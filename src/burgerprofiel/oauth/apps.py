from django.apps import AppConfig


class OAuthConfig(AppConfig):
    name = "burgerprofiel.oauth"
    label = "oauth"
    verbose_name = "OAuth2 voor instanties"
