"""The bulletin app's models, for Django's app registry: each capability keeps its own.

Import them from their capability (bulletin.texts.models, bulletin.digest.models), not from here.
"""

from bulletin.digest.models import Addendum, Digest, DigestRead
from bulletin.health.models import Heartbeat
from bulletin.texts.models import Flag, FullRescan, HelpdeskSync, ImportRun, SupportText

__all__ = [
    "Addendum", "Digest", "DigestRead", "Flag", "FullRescan", "Heartbeat", "HelpdeskSync", "ImportRun", "SupportText",
]
