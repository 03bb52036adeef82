"""A flag's spot, worked out when someone looks: where the form it was found in stands in the text as it
is now, the excerpt around it, and the proposal (the text with the new wording in that same form).

None of it is stored. A first import opens tens of thousands of flags at once, and locating every
spot and writing every proposal took most of that scan (13 of 17 s on the dense bench corpus), while
a page shows at most a few hundred flags. Worked out from the current body, a spot also never
belongs to an older version of the text.
"""

from bulletin.texts.normalising import normalise
from bulletin.texts.spots import Spot, spot_locate
from changes.glossary import fact_search_forms, glossary
from changes.search_forms import Synonym


def _form_searched(*, old_text: str, new_text: str, found_form: str, synonyms: list[Synonym]) -> tuple[str, str]:
    """(normalised form, new wording in that form) for the form a flag was found in.

    A form the glossary no longer yields keeps the new wording as filed: the proposal is then the plain one.
    """
    if found_form and found_form != old_text:
        for form in fact_search_forms(old_text, new_text, synonyms=synonyms):
            if form.old == found_form:
                return normalise(form.old), form.new
        return normalise(found_form), new_text
    return normalise(old_text), new_text


def flag_spot_locate(
    *, old_text: str, new_text: str, found_form: str, body: str, normalised: str, synonyms: list[Synonym] | None = None
) -> Spot | None:
    """The spot of a flag in `body` (its text now; `normalised` is the stored normalised body); None when the
    text no longer says it. Pass `synonyms` when locating many (one glossary query)."""
    phrase, new = _form_searched(
        old_text=old_text, new_text=new_text, found_form=found_form,
        synonyms=glossary() if synonyms is None else synonyms,
    )
    if not phrase:
        return None
    return spot_locate(body=body, phrase=phrase, new_text=new, normalised=normalised)
