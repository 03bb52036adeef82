"""The real settings, plus a URLconf that adds the benchmark's floor view. Used only by bench_api.py."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.bench_urls"
