"""A typed client for agencies of the Burgerprofiel platform.

    from burgerprofiel_client import AgencyClient, ClientSecret
    with AgencyClient("https://burgerprofiel.example", ClientSecret(client_id, secret)) as client:
        print(client.agency.me().agency_name)

See the README beside this package for every part: authentication and key rotation, DOSIS,
notifications, audit proofs, pull sources and webhooks.
"""

from burgerprofiel_client.auth import ClientSecret, Credentials, PrivateKeyJwt
from burgerprofiel_client.client import AgencyClient
from burgerprofiel_client.errors import (
    ApiError,
    AuthenticationFailed,
    BadRequest,
    BurgerprofielError,
    Conflict,
    DosisValidationError,
    FieldError,
    Forbidden,
    Gone,
    NotFound,
    PayloadTooLarge,
    Problem,
    ProofError,
    RateLimited,
    ServerError,
    TokenError,
    TransportError,
    UnexpectedResponse,
    UnsupportedMediaType,
    ValidationFailed,
)
from burgerprofiel_client.keys import KeyRing, SigningKey
from burgerprofiel_client.retry import NO_RETRIES, RetryPolicy
from burgerprofiel_client.witness import WitnessReport, WitnessStore

__version__ = "0.1.0"

__all__ = [
    "NO_RETRIES",
    "AgencyClient",
    "ApiError",
    "AuthenticationFailed",
    "BadRequest",
    "BurgerprofielError",
    "ClientSecret",
    "Conflict",
    "Credentials",
    "DosisValidationError",
    "FieldError",
    "Forbidden",
    "Gone",
    "KeyRing",
    "NotFound",
    "PayloadTooLarge",
    "PrivateKeyJwt",
    "Problem",
    "ProofError",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "SigningKey",
    "TokenError",
    "TransportError",
    "UnexpectedResponse",
    "UnsupportedMediaType",
    "ValidationFailed",
    "WitnessReport",
    "WitnessStore",
]
