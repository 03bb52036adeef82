"""Events other apps react to without `changes` knowing them.

Each is sent after the transaction of the transition commits, with `change`
(the saved instance) and `revision` as keyword arguments; `change_updated` also
carries `changed_fields`. The transition is recorded as a ChangeEvent in its own
transaction (changes/events.py): when a receiver raises, the event is sent again
a while later, so receivers must be idempotent, and a receiver that could not
finish its work (a broker away) raises to have it sent again.
"""

from django.dispatch import Signal

change_published = Signal()
change_updated = Signal()
change_withdrawn = Signal()
# Staff edited the glossary (changes/glossary.py): every old wording may now be found in other forms.
# Sent with no arguments after the admin saved; the nightly re-scan catches up if a receiver fails.
glossary_changed = Signal()
