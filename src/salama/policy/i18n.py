"""The texts decisions carry: reasons, action labels and rethink prompts, in ar, fr and en.

Plain dicts, ``key -> {lang: text}``. Every key has ``ar``, ``fr`` and ``en`` (a test says so);
``ary`` (Darija, Arabic script) is there where a Darija wording reads more naturally than MSA, and
:func:`pick` falls back from ``ary`` to ``ar``, and from any missing language to ``en``.
French addresses the author as "tu", as the apps teens use do.
"""

from __future__ import annotations

__all__ = [
    "ACTION_LABELS",
    "LANGS",
    "OPTIONAL_LANGS",
    "PROMPTS",
    "REASONS",
    "REVIEW",
    "WITHHELD",
    "action_label",
    "author_lang",
    "pick",
    "prompt_for",
]

LANGS = ("ar", "fr", "en")
OPTIONAL_LANGS = ("ary",)

ACTION_LABELS: dict[str, dict[str, str]] = {
    "allow": {"ar": "مسموح", "ary": "مسموح", "fr": "Autorisé", "en": "Allowed"},
    "nudge": {
        "ar": "دعوة إلى إعادة التفكير",
        "ary": "عاود فكر",
        "fr": "Invitation à y repenser",
        "en": "Asked to rethink",
    },
    "limit": {
        "ar": "مرئي لصاحبه فقط",
        "ary": "كيشوفو غير مولاه",
        "fr": "Visible par son auteur seulement",
        "en": "Visible to the author only",
    },
    "hold": {
        "ar": "معلّق في انتظار المراجعة",
        "ary": "مستني المراجعة",
        "fr": "En attente de vérification",
        "en": "Held for review",
    },
    "block": {"ar": "محظور", "ary": "ممنوع", "fr": "Bloqué", "en": "Blocked"},
    "support": {
        "ar": "عرض المساعدة",
        "ary": "عرض المساعدة",
        "fr": "Aide proposée",
        "en": "Help offered",
    },
}

WITHHELD: dict[str, str] = {
    "ar": "لم يُطبَّق، لأن المساعدة أولًا",
    "fr": "Non appliqué, car l'aide passe d'abord",
    "en": "Not applied, because help comes first",
}
REVIEW: dict[str, str] = {
    "ar": "أُرسل أيضًا إلى المراجعة البشرية",
    "fr": "Envoyé aussi à une vérification humaine",
    "en": "Also sent to human review",
}

REASONS: dict[str, dict[str, str]] = {
    # shipped policy
    "grooming": {
        "ar": "يشبه محاولة للانفراد بقاصر: سؤال عن العمر، أو نقل الحديث إلى الخاص، أو طلب "
        "السرية، أو هدايا، أو صور، أو لقاء.",
        "fr": "Ressemble à une tentative d'isoler un mineur : âge demandé, passage en privé, "
        "secret, cadeaux, photos ou rencontre.",
        "en": "Looks like an attempt to get a minor alone: asking their age, moving to a "
        "private chat, secrecy, gifts, photos or a meeting.",
    },
    "grooming_suspected": {
        "ar": "علامة واحدة على محاولة التواصل الخاص مع قاصر؛ سيراجعها شخص.",
        "fr": "Un signe d'une prise de contact privée avec un mineur ; une personne va vérifier.",
        "en": "One sign of someone seeking private contact with a minor; a person will check.",
    },
    "threat": {
        "ar": "يهدد بالعنف.",
        "ary": "فيه تهديد بالعنف.",
        "fr": "Menace de violence.",
        "en": "Threatens violence.",
    },
    "hate": {
        "ar": "يهاجم أشخاصًا بسبب أصلهم أو دينهم أو جنسهم أو إعاقتهم أو ما هم عليه.",
        "fr": "Attaque des personnes pour ce qu'elles sont : origine, religion, sexe, handicap…",
        "en": "Attacks people for who they are: origin, religion, gender, disability...",
    },
    "insult_rethink": {
        "ar": "قد يجرح شخصًا أو يهينه.",
        "ary": "يقدر يجرح شي واحد ولا يحشمو.",
        "fr": "Peut blesser ou humilier quelqu'un.",
        "en": "May hurt or humiliate someone.",
    },
    "insult_severe": {
        "ar": "إهانة قوية أو تحرش موجّه إلى شخص.",
        "ary": "سبان قوي ولا تحرش موجه لشي واحد.",
        "fr": "Insulte forte ou harcèlement visant quelqu'un.",
        "en": "A strong insult or harassment aimed at someone.",
    },
    "profanity_teen": {
        "ar": "كلمات نابية.",
        "ary": "كلام خايب.",
        "fr": "Mots vulgaires.",
        "en": "Vulgar words.",
    },
    "profanity_adult": {
        "ar": "الكلمات النابية بين البالغين مسموحة.",
        "fr": "Les mots vulgaires entre adultes sont permis.",
        "en": "Vulgar words between adults are allowed.",
    },
    "sexual_teen": {
        "ar": "المحتوى الجنسي لا يُعرض على المراهقين.",
        "fr": "Le contenu sexuel n'est pas montré aux adolescents.",
        "en": "Sexual content is not shown to teens.",
    },
    "sexual_adult": {
        "ar": "محتوى جنسي.",
        "fr": "Contenu sexuel.",
        "en": "Sexual content.",
    },
    "sexual_from_teen": {
        "ar": "محتوى جنسي يرسله مراهق إلى بالغ؛ سيتأكد شخص أن لا أحد يضغط عليه.",
        "fr": "Contenu sexuel envoyé par un adolescent à un adulte ; une personne vérifiera "
        "que personne ne fait pression sur lui.",
        "en": "Sexual content sent by a teen to an adult; a person will check that no one is "
        "pressuring them.",
    },
    "self_harm_support": {
        "ar": "قد يمر الكاتب بوقت صعب: نعرض عليه المساعدة.",
        "ary": "يمكن هاد الشخص داوز وقت صعيب: كنعرضو عليه المساعدة.",
        "fr": "L'auteur traverse peut-être un moment difficile : on lui propose de l'aide.",
        "en": "The author may be going through a hard time: help is offered.",
    },
    "self_harm_search": {
        "ar": "بحث عن الانتحار أو إيذاء النفس: تُعرض المساعدة أولًا.",
        "fr": "Recherche sur le suicide ou l'automutilation : l'aide est proposée d'abord.",
        "en": "A search about suicide or self-harm: help is shown first.",
    },
    "self_harm_content": {
        "ar": "يتحدث عن الانتحار أو إيذاء النفس؛ يُراجَع قبل أن يراه المراهقون.",
        "fr": "Parle de suicide ou d'automutilation ; vérifié avant d'être montré aux ados.",
        "en": "Talks about suicide or self-harm; checked before teens see it.",
    },
    "profile_insult": {
        "ar": "الأسماء والنبذات يراها الجميع طوال الوقت: لا إهانات فيها.",
        "fr": "Noms et bios sont vus par tous, tout le temps : pas d'insultes.",
        "en": "Names and bios are seen by everyone, all the time: no insults.",
    },
    "profile_hate": {
        "ar": "الأسماء والنبذات يراها الجميع طوال الوقت: لا كراهية فيها.",
        "fr": "Noms et bios sont vus par tous, tout le temps : pas de haine.",
        "en": "Names and bios are seen by everyone, all the time: no hate.",
    },
    "profile_sexual": {
        "ar": "الأسماء والنبذات يراها الجميع، ومنهم المراهقون: لا محتوى جنسيًا فيها.",
        "fr": "Noms et bios sont vus par tous, ados compris : pas de contenu sexuel.",
        "en": "Names and bios are seen by everyone, teens included: no sexual content.",
    },
    "username_profanity": {
        "ar": "لا يُقبل اسم مستخدم فيه كلمات نابية.",
        "fr": "Pas de mots vulgaires dans un nom d'utilisateur.",
        "en": "No vulgar words in a username.",
    },
    # owner settings
    "owner_keyword": {
        "ar": "يحتوي كلمة اختار صاحب الحساب تصفيتها؛ ينتظر موافقته.",
        "ary": "فيه كلمة ختار مول الحساب يفلترها؛ كيتسنى الموافقة ديالو.",
        "fr": "Contient un mot que le propriétaire du compte filtre ; attend son accord.",
        "en": "Contains a word the account owner filters; waits for their approval.",
    },
    "owner_filter_all": {
        "ar": "يراجع صاحب الحساب كل تعليق قبل ظهوره.",
        "fr": "Le propriétaire du compte vérifie chaque commentaire avant qu'il n'apparaisse.",
        "en": "The account owner approves every comment before it appears.",
    },
    "owner_comments_off": {
        "ar": "أوقف صاحب الحساب التعليقات.",
        "fr": "Le propriétaire du compte a désactivé les commentaires.",
        "en": "The account owner turned comments off.",
    },
    "owner_comments_followers": {
        "ar": "التعليق هنا للمتابعين فقط.",
        "fr": "Seuls les abonnés peuvent commenter ici.",
        "en": "Only followers may comment here.",
    },
    "owner_messages_off": {
        "ar": "لا يستقبل صاحب الحساب الرسائل.",
        "fr": "Le propriétaire du compte ne reçoit pas de messages.",
        "en": "The account owner does not accept messages.",
    },
    "owner_messages_followers": {
        "ar": "الرسائل هنا للمتابعين فقط.",
        "fr": "Seuls les abonnés peuvent envoyer des messages ici.",
        "en": "Only followers may send messages here.",
    },
    # a parent's controls (salama.family), applied by the engine through FamilyRules
    "family_strictness": {
        "ar": "اختار أحد الوالدين الإعدادات الصارمة لهذا الحساب: تُطبَّق قواعد سن 13-15.",
        "ary": "واحد من الواليدين ختار الإعدادات الصارمة لهاد الحساب: كتطبق قواعد 13-15 عام.",
        "fr": "Un parent a choisi le réglage strict pour ce compte : les règles des 13-15 ans "
        "s'appliquent.",
        "en": "A parent chose strict settings for this account: the rules for ages 13-15 apply.",
    },
    "family_restricted_search": {
        "ar": "فعّل أحد الوالدين البحث المقيَّد: لا نتائج لعمليات البحث عن محتوى جنسي أو عنيف أو "
        "كاره أو بذيء.",
        "fr": "Un parent a activé la recherche restreinte : pas de résultats pour les recherches "
        "sexuelles, violentes, haineuses ou vulgaires.",
        "en": "A parent turned on restricted search: no results for sexual, violent, hateful or "
        "vulgar searches.",
    },
    "family_comments_off": {
        "ar": "إعدادات العائلة لهذا الحساب توقف التعليقات.",
        "fr": "Les réglages familiaux de ce compte désactivent les commentaires.",
        "en": "This account's family settings turn comments off.",
    },
    "family_comments_followers": {
        "ar": "إعدادات العائلة لهذا الحساب تسمح بالتعليق للمتابعين فقط.",
        "fr": "Les réglages familiaux de ce compte réservent les commentaires aux abonnés.",
        "en": "This account's family settings let only followers comment.",
    },
    "family_messages_off": {
        "ar": "إعدادات العائلة لهذا الحساب توقف الرسائل.",
        "fr": "Les réglages familiaux de ce compte désactivent les messages.",
        "en": "This account's family settings turn messages off.",
    },
    "family_messages_followers": {
        "ar": "إعدادات العائلة لهذا الحساب تسمح بالرسائل من المتابعين فقط.",
        "fr": "Les réglages familiaux de ce compte réservent les messages aux abonnés.",
        "en": "This account's family settings let only followers send messages.",
    },
}

# Rethink prompts, keyed "kind:surface" with "kind" as the fallback, then "default".
PROMPTS: dict[str, dict[str, str]] = {
    "hurt:comment": {
        "ar": "قد يجرح هذا التعليق شخصًا ما. هل تريد إعادة التفكير فيه؟",
        "ary": "هاد التعليق يقدر يجرح شي واحد. بغيتي تعاود تفكر فيه؟",
        "fr": "Ce commentaire pourrait blesser quelqu'un. Tu veux y repenser ?",
        "en": "This comment may hurt someone. Do you want to rethink it?",
    },
    "hurt:dm": {
        "ar": "قد تجرح هذه الرسالة شخصًا ما. هل تريد إعادة التفكير فيها؟",
        "ary": "هاد الميساج يقدر يجرح شي واحد. بغيتي تعاود تفكر فيه؟",
        "fr": "Ce message pourrait blesser quelqu'un. Tu veux y repenser ?",
        "en": "This message may hurt someone. Do you want to rethink it?",
    },
    "hurt": {
        "ar": "قد يجرح هذا شخصًا ما. هل تريد إعادة التفكير فيه؟",
        "ary": "هادشي يقدر يجرح شي واحد. بغيتي تعاود تفكر فيه؟",
        "fr": "Ceci pourrait blesser quelqu'un. Tu veux y repenser ?",
        "en": "This may hurt someone. Do you want to rethink it?",
    },
    "vulgar:comment": {
        "ar": "في هذا التعليق كلمات نابية. هل تريد إعادة التفكير فيه؟",
        "ary": "هاد التعليق فيه كلام خايب. بغيتي تعاود تفكر فيه؟",
        "fr": "Ce commentaire contient des mots vulgaires. Tu veux y repenser ?",
        "en": "This comment has vulgar words in it. Do you want to rethink it?",
    },
    "vulgar:dm": {
        "ar": "في هذه الرسالة كلمات نابية. هل تريد إعادة التفكير فيها؟",
        "ary": "هاد الميساج فيه كلام خايب. بغيتي تعاود تفكر فيه؟",
        "fr": "Ce message contient des mots vulgaires. Tu veux y repenser ?",
        "en": "This message has vulgar words in it. Do you want to rethink it?",
    },
    "vulgar": {
        "ar": "في هذا كلمات نابية. هل تريد إعادة التفكير فيه؟",
        "ary": "هادشي فيه كلام خايب. بغيتي تعاود تفكر فيه؟",
        "fr": "Ceci contient des mots vulgaires. Tu veux y repenser ?",
        "en": "This has vulgar words in it. Do you want to rethink it?",
    },
    "default": {
        "ar": "قد لا يكون هذا مناسبًا. هل تريد إعادة التفكير فيه؟",
        "ary": "يمكن هادشي ماشي مناسب. بغيتي تعاود تفكر فيه؟",
        "fr": "Ce n'est peut-être pas approprié. Tu veux y repenser ?",
        "en": "This may not be appropriate. Do you want to rethink it?",
    },
}
_PROMPT_KIND = {"insult": "hurt", "hate": "hurt", "threat": "hurt", "profanity": "vulgar"}

# Verdict.language -> the language a decision speaks to its author in.
_AUTHOR_LANG = {"ary": "ary", "ar": "ar", "fr": "fr", "en": "en"}


def pick(messages: dict[str, str], lang: str) -> str:
    """The text in ``lang``; Darija falls back to Arabic, anything else missing to English."""
    if lang in messages:
        return messages[lang]
    if lang == "ary" and "ar" in messages:
        return messages["ar"]
    return messages["en"]


def action_label(action: str, lang: str) -> str:
    return pick(ACTION_LABELS[action], lang)


def prompt_for(category: str | None, surface: str) -> dict[str, str]:
    """The rethink prompt for a nudge on ``category`` on ``surface``, in every language."""
    kind = _PROMPT_KIND.get(category or "", "default")
    for key in (f"{kind}:{surface}", kind, "default"):
        if key in PROMPTS:
            return dict(PROMPTS[key])
    raise AssertionError("PROMPTS has a default")  # pragma: no cover


def author_lang(language: str, script: str = "none") -> str:
    """The language to address the author in, from the Verdict's language and script."""
    if language in _AUTHOR_LANG:
        return _AUTHOR_LANG[language]
    return "ar" if script == "Arab" else "en"
