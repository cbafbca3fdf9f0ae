"""Keywords: a text that is one word asking for information (HELP, INFO, AYUDA), to stop texts
(STOP and the words carriers treat alike) or to start them again (START).

A body counts as a keyword when, trimmed and without the punctuation around it ("HELP!",
"¡Ayuda!", "stop."), it is a single word, in any case. Anything longer is an ordinary message:
"help me please" is a person asking for help, and goes to the queue like any text (so does a
keyword: the conversation is a contact either way).

Information words are the channel's own (`Channel.keywords`, per language). When a word is
listed in several languages, the conversation's language wins if it lists it, then the
hotline's languages in the order of settings.LANGUAGES, then the others by code: PostgreSQL's
jsonb does not keep a dictionary's key order, so "the first language listing it" is read in an
order that both databases agree on.

The automatic reply is the channel's AutoReply in that language, else in the hotline's default
language, else in English, else a built-in text (DEFAULT_REPLY) naming the hotline
(settings.HOTLINE_NAME) and its public address (settings.SITE_URL). The built-in text is the
last resort: channels sits below the site room and cannot read its public settings (the hotline
number), so an installation is expected to keep AutoReply rows, which `add_sms_channel`
creates.

Stop and start words are the carriers' and Twilio's own (with Spanish ones), not configurable:
the provider acts on them whatever Hotline does, and Hotline must agree with it.
"""

import enum
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from hotline.channels.models import AutoReply, Channel

STOP_WORDS = {
    "STOP": "en",
    "STOPALL": "en",
    "UNSUBSCRIBE": "en",
    "CANCEL": "en",
    "END": "en",
    "QUIT": "en",
    "PARAR": "es",
    "ALTO": "es",
}
START_WORDS = {"START": "en", "UNSTOP": "en", "COMENZAR": "es"}


class Action(enum.StrEnum):
    INFO = "info"
    STOP = "stop"
    START = "start"


@dataclass(frozen=True)
class Keyword:
    action: Action
    language: str


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def word_of(body: str) -> str:
    """The single word a body is, upper-cased without the punctuation around it; "" when the
    body is empty or more than one word."""
    text = body.strip()
    start, end = 0, len(text)
    while start < end and _is_punctuation(text[start]):
        start += 1
    while end > start and _is_punctuation(text[end - 1]):
        end -= 1
    word = text[start:end]
    if not word or any(char.isspace() for char in word):
        return ""
    return word.upper()


def _language_order(preferred: str, listed: list[str]) -> list[str]:
    order = [preferred] if preferred else []
    order += [code for code, _name in settings.LANGUAGES]
    order += sorted(listed)
    return list(dict.fromkeys(code for code in order if code in listed))


def classify(channel: Channel, body: str, language: str = "") -> Keyword | None:
    """The keyword a body is, with its language; None for an ordinary message. `language` is
    the conversation's, when the text joins one."""
    word = word_of(body)
    if not word:
        return None
    if word in STOP_WORDS:
        return Keyword(Action.STOP, STOP_WORDS[word])
    if word in START_WORDS:
        return Keyword(Action.START, START_WORDS[word])
    listed = channel.keywords if isinstance(channel.keywords, dict) else {}
    for code in _language_order(language, list(listed)):
        words = listed[code] if isinstance(listed[code], list) else []
        if word in {str(w).strip().upper() for w in words}:
            return Keyword(Action.INFO, code)
    return None


def reply_text(channel: Channel, language: str) -> str:
    """The automatic reply to an information keyword, in `language` or the nearest there is."""
    order = list(dict.fromkeys([language, settings.LANGUAGE_CODE, "en"]))
    texts = dict(
        AutoReply.objects.filter(channel=channel, language__in=order).values_list(
            "language", "text"
        )
    )
    for code in order:
        if texts.get(code, "").strip():
            return texts[code].strip()
    return default_reply(language)


def default_reply(language: str) -> str:
    """What carriers require of an information reply: who is texting, how to stop, that rates
    may apply, and how else to reach the hotline."""
    with translation.override(language):
        return _(
            "%(name)s: free, confidential help 24/7. Reply to this message to write to us, "
            "or visit %(site)s. Reply STOP to stop texts. Msg & data rates may apply."
        ) % {"name": settings.HOTLINE_NAME, "site": settings.SITE_URL.rstrip("/")}
