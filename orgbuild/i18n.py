"""Translation of domain messages: a :class:`rules.Message` keeps its Chinese template and its
parameters until it is shown, then takes the reader's language (Flask-Babel's gettext)."""
from __future__ import annotations

from flask_babel import gettext

from .domain import rules


def translate_message(message: str) -> str:
    """Translate a domain message (:class:`rules.Message` keeps its template and parameters).

    Parameters that are themselves Messages (a status or step name) are translated too.
    """
    if isinstance(message, rules.Message):
        translated = gettext(message.template)
        if not message.params:
            return translated
        params = {
            key: translate_message(value) if isinstance(value, rules.Message) else value
            for key, value in message.params.items()
        }
        return translated % params
    return gettext(message) if message else ""
