"""What to say to someone who may be at risk: short, warm, no method, no blame, hope.

Written after the WHO and Samaritans safe-messaging guidance: speak to the person, not about
suicide; say that they are not alone and that feelings this heavy can change; invite them to
reach out (someone they trust, a line below, emergency services if in danger now); never name a
method or a place, never present suicide as a solution, never lecture. Texts address a young
person ("tu" in French) and avoid gendered forms where the language lets us.

Situations: ``first_person`` (the person may be at risk), ``search`` (they searched for
self-harm terms: show help instead of results), ``about_someone`` (they worry about a friend).
Languages: ``ary`` (Darija, Arabic script), ``ar`` (Modern Standard Arabic), ``fr``, ``en``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from salama.errors import InputError

__all__ = ["LANGUAGES", "MESSAGES", "SITUATIONS", "SupportMessage", "support_message"]

SITUATIONS = ("first_person", "search", "about_someone")
LANGUAGES = ("ary", "ar", "fr", "en")
# where to look next when a language has no text: Darija readers read Arabic, and so on
FALLBACK = {"ary": "ar", "ar": "fr", "fr": "en"}
_RTL = frozenset({"ar", "ary"})
_ARABIC_VARIETIES = frozenset({"arq", "aeb", "arz", "apc", "ajp", "acm", "afb", "ayl", "shu"})


@dataclass(frozen=True, slots=True)
class SupportMessage:
    title: str
    body: str
    language: str  # the language of the text, after fallback

    @property
    def direction(self) -> str:
        """``rtl`` for Arabic script, ``ltr`` otherwise."""
        return "rtl" if self.language in _RTL else "ltr"

    def to_dict(self) -> dict[str, str]:
        return {
            "title": self.title,
            "body": self.body,
            "language": self.language,
            "direction": self.direction,
        }


# (situation, language) -> (title, body)
MESSAGES: dict[tuple[str, str], tuple[str, str]] = {
    ("first_person", "en"): (
        "You are not alone",
        "It sounds like things are really hard for you right now. What you feel matters, and you "
        "deserve support. Talking can help: reach out to someone you trust, or to one of the "
        "lines below. If you might be in danger right now, call an emergency number.",
    ),
    ("first_person", "fr"): (
        "Tu n'es pas seul(e)",
        "On dirait que tu traverses un moment très difficile. Ce que tu ressens compte, et tu "
        "mérites d'être soutenu(e). En parler peut aider : à une personne de confiance, ou à "
        "l'une des lignes ci-dessous. Si tu es en danger maintenant, appelle un numéro d'urgence.",
    ),
    ("first_person", "ar"): (
        "لست وحدك",
        "يبدو أن هذه الفترة صعبة جدًا عليك. مشاعرك مهمة، ومن حقك الحصول على الدعم. "
        "الحديث مع شخص موثوق أو مع أحد الخطوط أدناه قد يخفف عنك. "
        "وإذا كنت في خطر الآن، فالاتصال برقم الطوارئ هو الأهم.",
    ),
    ("first_person", "ary"): (
        "ماشي بوحدك",
        "باين بلي هاد الوقت صعيب بزاف عليك. اللي فقلبك مهم، ومن حقك يكون معاك شي حد يسمعك. "
        "الهضرة مع شي حد عندك فيه الثقة، ولا مع واحد من الخطوط اللي لتحت، تقدر تعاونك. "
        "إلا كنتي فخطر دابا، الطوارئ كاينين باش يعاونوك.",
    ),
    ("search", "en"): (
        "Need someone to talk to?",
        "If you are searching for this because things feel too hard right now, you are not "
        "alone. Feelings this heavy can change, and talking to someone can help. The lines below "
        "are there to listen, without judging.",
    ),
    ("search", "fr"): (
        "Besoin de parler ?",
        "Si tu cherches ça parce que ça va mal en ce moment, tu n'es pas seul(e). Même les "
        "moments les plus lourds peuvent changer, et en parler aide. Les lignes ci-dessous sont "
        "là pour t'écouter, sans te juger.",
    ),
    ("search", "ar"): (
        "هناك من يسمعك",
        "إذا كان بحثك هذا لأن الأمور صعبة عليك الآن، فلست وحدك. "
        "المشاعر الثقيلة يمكن أن تتغير، والحديث مع أحد يساعد. "
        "الخطوط أدناه موجودة لتسمعك دون أن تحكم عليك.",
    ),
    ("search", "ary"): (
        "كاين اللي يسمعك",
        "إلا كان هاد البحث حيت الأمور صعيبة عليك دابا، راك ماشي بوحدك. "
        "الإحساس التقيل يقدر يتبدل، والهضرة مع شي حد كتعاون. "
        "الخطوط اللي لتحت كاينين باش يسمعوك بلا ما يحكمو عليك.",
    ),
    ("about_someone", "en"): (
        "Worried about someone?",
        "It's good that you noticed, and that you care. Let them know you are there, and listen "
        "without judging. You don't have to handle this alone: tell an adult you trust, or call "
        "one of the lines below for advice. If they are in danger right now, call an emergency "
        "number.",
    ),
    ("about_someone", "fr"): (
        "Inquiet(e) pour quelqu'un ?",
        "C'est bien que tu l'aies remarqué et que tu t'en soucies. Dis-lui que tu es là, et "
        "écoute sans juger. Tu n'as pas à gérer ça seul(e) : parles-en à un adulte de confiance, "
        "ou appelle l'une des lignes ci-dessous pour avoir des conseils. Si la personne est en "
        "danger maintenant, appelle un numéro d'urgence.",
    ),
    ("about_someone", "ar"): (
        "قلق على صديق أو صديقة؟",
        "من الجيد أنك انتبهت للأمر، فهذا يدل على اهتمامك. "
        "الاستماع إلى هذا الشخص دون حكم، وإشعاره بأنك موجود، قد يصنع فرقًا كبيرًا. "
        "ولا داعي لحمل هذا وحدك: الحديث مع شخص بالغ موثوق أو مع أحد الخطوط أدناه يساعد. "
        "وإذا كان هذا الشخص في خطر الآن، فالاتصال برقم الطوارئ هو الأهم.",
    ),
    ("about_someone", "ary"): (
        "شي حد عزيز عليك ماشي مزيان؟",
        "مزيان بزاف اللي رديتي البال، هادشي كيبين بلي عزيز عليك. "
        "الوقوف معاه والسماع ليه بلا حكم كيعاونو بزاف. "
        "وماشي بوحدك فهادشي: الهضرة مع شي حد كبير عندك فيه الثقة، ولا مع واحد من الخطوط "
        "اللي لتحت، كتعاون. وإلا كان فخطر دابا، الطوارئ كاينين باش يعاونوه.",
    ),
}


def support_message(situation: str, language: str | None) -> SupportMessage:
    """The text for a situation in the user's language, falling back ary -> ar -> fr -> en.

    Another Arabic variety (Egyptian, Tunisian, ...) gets Modern Standard Arabic; ``ary_latn``
    (Darija in Latin letters) gets Darija; an unknown or missing language gets English."""
    if situation not in SITUATIONS:
        raise InputError(
            f"unknown situation {situation!r}; one of: {', '.join(SITUATIONS)}",
            details={"situation": situation},
        )
    lang: str | None = _start_language(language)
    while lang is not None:
        text = MESSAGES.get((situation, lang))
        if text is not None:
            return SupportMessage(title=text[0], body=text[1], language=lang)
        lang = FALLBACK.get(lang)
    title, body = MESSAGES[(situation, "en")]
    return SupportMessage(title=title, body=body, language="en")


def _start_language(language: str | None) -> str:
    if language is None or not language.strip():
        return "en"
    base = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    if base in LANGUAGES:
        return base
    if base in _ARABIC_VARIETIES:
        return "ar"
    return "en"
