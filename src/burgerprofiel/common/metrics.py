"""Prometheus metrics of this process."""

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter("burgerprofiel_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "burgerprofiel_http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"]
)
TOKENS_ISSUED = Counter("burgerprofiel_oauth_tokens_issued_total", "Access tokens issued", ["method"])
AUTH_FAILURES = Counter("burgerprofiel_oauth_failures_total", "Refused client authentications", ["reason"])
ORDER_REFUSALS = Counter("burgerprofiel_order_refusals_total", "Requests refused by the order check", ["reason"])
AUDIT_EVENTS = Counter("burgerprofiel_audit_events_total", "Audit events written", ["action"])
