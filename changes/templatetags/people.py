from django import template

register = template.Library()


@register.filter
def person(user) -> str:
    """How a page names an account: the full name, else the user name; empty for none (Bulletin itself, or a
    deleted account), so that `|default:` can say which."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
