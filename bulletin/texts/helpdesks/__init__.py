"""The native exports and API answers of the help desks support teams keep their texts in.

FORMATS maps a format's name (as `--format` takes it) to its description; the
vendor modules say how each is read.
"""

from bulletin.texts.helpdesks import freshdesk, gorgias, intercom, zammad, zendesk
from bulletin.texts.helpdesks.base import HelpdeskFormat

FORMATS: dict[str, HelpdeskFormat] = {
    fmt.name: fmt for module in (zendesk, freshdesk, zammad, gorgias, intercom) for fmt in module.FORMATS
}
