"""Events other apps react to without `changes` knowing them.

Each is sent once per transition, after the transaction commits, with
`change` (the saved instance) and `revision` as keyword arguments;
`change_updated` also carries `changed_fields`.
"""

from django.dispatch import Signal

change_published = Signal()
change_updated = Signal()
change_withdrawn = Signal()
