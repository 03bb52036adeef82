"""gunicorn's configuration for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Sync workers behind a proxy (nginx, Caddy, a load balancer) that ends TLS and buffers slow clients, as gunicorn
recommends. Every value has a default that suits one host; the environment variables below change them.

gunicorn reads this file in its master process. It runs the Django settings here once, in a namespace of their own
(config/configuration_errors.py), so that a mistake in one stops gunicorn with one line naming the variable before
any worker starts; the master keeps no copy of them, and the workers import them afresh.
"""

import os

from config.configuration_errors import settings_check_or_exit

# Not left to the workers: each reported a bad setting again, and two failing at once ended in a traceback of
# gunicorn's own.
settings_check_or_exit()


def _env_int(name: str, default: int, *, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        # SystemExit, not an exception: gunicorn prints a config file's exceptions with their traceback.
        raise SystemExit(f"{name} must be a whole number of at least {minimum}, got {raw!r}")
    return int(raw)


def _cores() -> int:
    # The cores this process may run on (a container's or a systemd CPUAffinity's share), not the machine's.
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# Loopback unless told otherwise: Django trusts the proxy's X-Forwarded-Proto (USE_X_FORWARDED_PROTO), so only the
# proxy may reach this port. PORT alone keeps loopback; BIND takes any address gunicorn takes (unix:/run/….sock).
bind = os.environ.get("BIND") or f"127.0.0.1:{_env_int('PORT', 8000, minimum=1)}"

# gunicorn's rule of thumb, 2 × cores + 1, capped: each process holds about 100 MB and, for a minute after its last
# request, a PostgreSQL connection (CONN_MAX_AGE), and PostgreSQL allows 100 connections by default.
workers = _env_int("WEB_CONCURRENCY", min(2 * _cores() + 1, 8), minimum=1)

# A request still running after this many seconds is stopped (its worker is killed and replaced): a hung database
# or broker must not take the workers one by one. The slowest pages (a CSV export, the KPIs) take a few seconds.
timeout = _env_int("WEB_TIMEOUT", 30, minimum=1)
# On a restart or stop (SIGHUP, SIGTERM), requests in flight get as long to finish as any request has; systemd's
# TimeoutStopSec in config/systemd/bulletin-web.service is longer.
graceful_timeout = timeout

# Addresses of the proxy: gunicorn believes X-Forwarded-Proto (for wsgi.url_scheme) only from these.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# One line per request on stdout (journald or honcho add the time of day): the proxy's and the visitor's address,
# what was asked, status, size, duration and the request id. The path without its query string: calendar addresses
# carry their reader's token there.
accesslog = "-"
errorlog = "-"
access_log_format = (
    '%(h)s %({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'
)

# The workers' heartbeat file is touched every second; on a disk-backed /tmp a slow disk blocks a worker until it is
# killed as silent (gunicorn's FAQ), so it lives in memory where there is a /dev/shm.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# The control socket sits in $HOME by default, where two gunicorns of one user (a second instance, a test) would
# take each other's. The service is driven by signals (systemctl reload sends SIGHUP), so it is left off.
control_socket_disable = True
