"""Gunicorn settings for ``burgerprofiel serve`` in production.

Loaded through ``GUNICORN_CMD_ARGS="--config /etc/burgerprofiel/gunicorn.conf.py"`` (the Dockerfile and
the systemd unit set it). ``burgerprofiel serve`` gives gunicorn its bind address, the number of worker
processes (``--workers``), the gthread worker class with 4 threads and the JSON access log on its command
line, and the command line wins: size a machine with ``serve --workers N`` (docs/operations.md,
"Sizing"). What is here is what ``serve`` leaves to the deployment.
"""

import os

# A request that takes longer than this is stuck (a pull source has its own 2 s timeout, a DOSIS bulk
# upload of 10,000 lines takes about a second): the worker is restarted.
timeout = 30
graceful_timeout = 25  # a deploy lets requests in flight finish; systemd's TimeoutStopSec is longer
# Longer than the load balancer's idle timeout (commonly 60 s), so that the balancer, not gunicorn,
# closes idle keep-alive connections: otherwise a request can arrive on a connection being closed.
keepalive = 75
# Recycle each worker process now and then: bounds the memory a long-running process may gather.
max_requests = 20000
max_requests_jitter = 2000
# Request line and header limits (gunicorn's defaults, stated so that a change is a decision).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Only the reverse proxy may say which scheme and client address a request came from.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The heartbeat file on a memory file system: a slow disk must not make the arbiter kill workers.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - a RAM-backed directory, as gunicorn's docs advise
