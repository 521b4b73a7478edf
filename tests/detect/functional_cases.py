"""Functional test cases for the text-safety detector (HateCheck-style).

Pure data: each case states what ``verdict.flagged(task)`` should return for one text.
The texts were written by hand for this suite (none are taken from the training data)
and are never used for training. Lines where one text is checked for two tasks are
intentional: e.g. profanity that is not hate is ``abusive`` True but ``hate`` False.

Conventions
- lang: "ary" covers Darija in Arabic script and in Latin script (Arabizi).
- Quoting or reporting an insult (counter-speech) is neither hate nor abuse of the reader:
  expected False for both ``hate`` and ``abusive``.
- Sexual solicitation and sextortion aimed at a person count as ``abusive`` (the union task).
- Spelling games (spaces, repeated letters, digits, homoglyphs) must still be caught.
- Homoglyph cases spell their look-alike letters as escapes so that the reader can see them.

functionality values used here:
  insult_direct, slur, derogation, sexual_harassment, sextortion, threat_direct,
  threat_idiom, self_harm_first_person, self_harm_news, self_harm_idiom, grooming_combo,
  grooming_benign_age, negated, counter_quote, identity_neutral, reclaimed,
  profanity_not_hate, spelling_spaces, spelling_repeat, spelling_digits,
  spelling_homoglyph, name_lookalike, neutral, insult_intensified, harassment_youth,
  compliment_addressed
"""

from typing import NamedTuple


class Case(NamedTuple):
    text: str
    lang: str  # "ary" (both scripts), "ar", "fr", "en"
    task: str  # "abusive" | "hate" | "threat" | "self_harm" | "grooming" | "profanity"
    expected: bool  # should verdict.flagged(task) be True?
    functionality: str


CASES: list[Case] = [
    # ======================================================================= Darija (ary)
    # ---- direct insults, Arabic script and Arabizi
    Case("نتا مكلخ وحمار، سير تقود من هنا", "ary", "abusive", True, "insult_direct"),
    Case("nta mkl5 o 7mar, sir t9awed", "ary", "abusive", True, "insult_direct"),
    Case("سير يا ولد القحبة، الله ينعل بوك", "ary", "abusive", True, "insult_direct"),
    Case("wach nti 9a7ba wla chno? tfo 3lik", "ary", "abusive", True, "insult_direct"),
    Case("الله يمسخك يا الشمكار، تفو عليك", "ary", "abusive", True, "insult_direct"),
    Case("t'es un 7mar wlah, ma katfhem walou", "ary", "abusive", True, "insult_direct"),
    Case("sir t7wa a zamel", "ary", "abusive", True, "slur"),
    Case("سير لبلادك يا العزي، ما بغيناش الكحل فحومتنا", "ary", "hate", True, "slur"),
    # ---- spelling games (must still be caught)
    Case("ق ح ب ة هادي والله", "ary", "abusive", True, "spelling_spaces"),
    Case("nti 9 a 7 b a", "ary", "abusive", True, "spelling_spaces"),
    Case("قحــــــــبة", "ary", "abusive", True, "spelling_repeat"),
    Case("zaaaaameeel", "ary", "abusive", True, "spelling_repeat"),
    Case("n1k mok a wld l7ram", "ary", "abusive", True, "spelling_digits"),
    Case("نتا م\u06a9لخ بزاف", "ary", "abusive", True, "spelling_homoglyph"),  # Persian kaf
    Case("nta z\u0430mel", "ary", "abusive", True, "spelling_homoglyph"),  # Cyrillic a
    # ---- hate vs neutral identity, negation, counter-speech
    Case("الأفارقة حشرات، خاصهم يرجعو لبلادهم", "ary", "hate", True, "derogation"),
    Case("kankrhom l afari9a, khasshom yrj3o lbladhom", "ary", "hate", True, "derogation"),
    Case("الشلوح كلهم بخلاء وحشرات، خاصهم يتجراو من المدينة", "ary", "hate", True, "derogation"),
    Case("الأفارقة جيراننا وخوتنا، مرحبا بيهم فالمغرب", "ary", "hate", False, "identity_neutral"),
    Case(
        "الأفارقة جيراننا وخوتنا، مرحبا بيهم فالمغرب", "ary", "abusive", False, "identity_neutral"
    ),
    Case("اليهود المغاربة جزء من تاريخ بلادنا", "ary", "hate", False, "identity_neutral"),
    Case("أنا أمازيغي وفخور بالتمازيغت ديالي", "ary", "hate", False, "identity_neutral"),
    Case("ana chel7 o fer7an, mama katkellem tachel7it", "ary", "hate", False, "reclaimed"),
    Case("ما كنكرهش الأفارقة، كلنا خوت", "ary", "hate", False, "negated"),
    Case("nta machi mkl5, ghir ma fhemtich mzyan", "ary", "abusive", False, "negated"),
    Case("makankrhch lyhoud, 3ndi s7abi yhoud f lmdrasa", "ary", "hate", False, "negated"),
    Case(
        "اللي كيعيط للناس الكحلين 'عزي' راه عنصري، ماشي مزيان تقول هادشي",
        "ary",
        "hate",
        False,
        "counter_quote",
    ),
    Case("قالي 'زامل' قدام القسم كامل، وهادشي ماشي مزيان", "ary", "hate", False, "counter_quote"),
    Case(
        "قالي 'زامل' قدام القسم كامل، وهادشي ماشي مزيان", "ary", "abusive", False, "counter_quote"
    ),
    Case(
        "ma t3ayetch l chi wa7ed 'kahlouch', rah 3onsoriya", "ary", "hate", False, "counter_quote"
    ),
    # ---- profanity that is not hate
    Case("زبي على امتحان، خرا ديال الأسئلة", "ary", "profanity", True, "profanity_not_hate"),
    Case("زبي على امتحان، خرا ديال الأسئلة", "ary", "hate", False, "profanity_not_hate"),
    Case("zebi 3la match, l9lawi dyal arbitre", "ary", "hate", False, "profanity_not_hate"),
    # ---- threats
    Case("والله حتى نقتلك إلا شفتك قدام المدرسة", "ary", "threat", True, "threat_direct"),
    # "حشومة" (shame!) aimed at the reader is a reproach, not counter-speech: the insult stands
    Case("حشومة عليك يا الحمار", "ary", "abusive", True, "insult_direct"),
    Case("سير يا ولد لحرام", "ary", "abusive", True, "insult_direct"),
    Case("زوييييمل ماشي كوميدي", "ary", "abusive", True, "spelling_repeat"),
    # an animal word about a real animal is no insult; addressed to someone it is
    Case("الكلب ديالي مريض، خاصني نديه للبيطري", "ary", "abusive", False, "name_lookalike"),
    Case("هذا الكلب ديالي ما يحشمش", "ary", "abusive", True, "insult_direct"),
    Case("ghadi n9tlek ila chftek bra", "ary", "threat", True, "threat_direct"),
    # Arabizi threats: the model learned none, the lexicon carries them at full weight
    Case("nqtlek", "ary", "threat", True, "threat_direct"),
    Case("ila 3awdtiha ghadi nkhsrlek wjhek", "ary", "threat", True, "threat_direct"),
    Case("عرفت فين ساكنة، غادي نجي نشرملك وجهك", "ary", "threat", True, "threat_direct"),
    Case("إلا ما صيفطتيش الفلوس نلوح تصاورك فالفيسبوك", "ary", "threat", True, "sextortion"),
    Case(
        "غادي نقتل هاد الامتحان غدا إن شاء الله، راجعت مزيان",
        "ary",
        "threat",
        False,
        "threat_idiom",
    ),
    Case("العيد جا، غادي ندبحو الحولي الصباح", "ary", "threat", False, "threat_idiom"),
    # ---- self-harm
    Case("عييت من هاد الحياة، بغيت نموت وصافي", "ary", "self_harm", True, "self_harm_first_person"),
    # a crisis phrase that opens with a negation word is not negated by it
    Case("ما بغيتش نعيش، عييت", "ary", "self_harm", True, "self_harm_first_person"),
    Case("لا اريد ان اعيش بعد الآن", "ar", "self_harm", True, "self_harm_first_person"),
    # "لا" right before a threat verb is the dialects' "or else"; "لا" answering is a denial
    Case("ابعد عني لا اذبحك", "ar", "threat", True, "threat_direct"),
    Case("لا نقتلكم طبعا، انتو خوتنا", "ar", "threat", False, "negated"),
    Case(
        "bghit n9tel rasi, mab9itch baghi n3ich", "ary", "self_harm", True, "self_harm_first_person"
    ),
    Case("ماعندي علاش نعيش، الموت حسن ليا", "ary", "self_harm", True, "self_harm_first_person"),
    Case("شاب انتحر البارح فطنجة حسب ما قالت الجريدة", "ary", "self_harm", False, "self_harm_news"),
    Case("هاد الفيديو موتني بالضحك ههههه", "ary", "self_harm", False, "self_harm_idiom"),
    Case("ghadi nmout bd7k m3a had lvideo", "ary", "self_harm", False, "self_harm_idiom"),
    # ---- grooming
    Case("شحال فعمرك؟ زيديني فسناب ونهضرو فالخاص", "ary", "grooming", True, "grooming_combo"),
    Case(
        "ch7al f3mrek? sifti lia tswira dyalk w ma tgoli l7ta wa7ed",
        "ary",
        "grooming",
        True,
        "grooming_combo",
    ),
    Case(
        "واش نتي فالاعدادي؟ نصيفطلك روشارج إلا عطيتيني نمرتك",
        "ary",
        "grooming",
        True,
        "grooming_combo",
    ),
    Case(
        "ntla9aw bo7dna had sbt, ma tgoli l7ta wa7ed, w nchargilk 50 dh",
        "ary",
        "grooming",
        True,
        "grooming_combo",
    ),
    Case(
        "شحال فعمر خوك الصغير؟ واش باقي كيقرا فالابتدائي؟",
        "ary",
        "grooming",
        False,
        "grooming_benign_age",
    ),
    Case(
        "fach kat9ra a sa7bi? ana f 2 bac, ghadi ndouz lbac had l3am",
        "ary",
        "grooming",
        False,
        "grooming_benign_age",
    ),
    # ---- look-alikes and neutral
    Case("مراكش الحمرا زوينة بزاف فالربيع", "ary", "abusive", False, "name_lookalike"),
    Case("sba7 lkhir a khoya, labas 3lik?", "ary", "abusive", False, "name_lookalike"),
    Case("chrit zbib w tmer l l3id", "ary", "abusive", False, "name_lookalike"),
    Case("zmili f lkhdma 3awnni bzaf lyoum", "ary", "abusive", False, "name_lookalike"),
    Case("الله ينعل الشيطان، تصالحو وصافي", "ary", "abusive", False, "neutral"),
    Case("المدير ديالنا راجل مزيان، الله يحفظو", "ary", "abusive", False, "neutral"),
    # ======================================================================= Arabic (ar)
    Case("انت غبي وحقير ولا أحد يحبك", "ar", "abusive", True, "insult_direct"),
    Case("يا ابن الكلب، اخرس", "ar", "abusive", True, "insult_direct"),
    Case("كسمك يا حيوان", "ar", "abusive", True, "insult_direct"),
    Case("انقلع يا زق", "ar", "abusive", True, "insult_direct"),
    Case("إنتي شرموطة والكل يعرف", "ar", "abusive", True, "insult_direct"),
    Case("ع ا ه ر ة", "ar", "abusive", True, "spelling_spaces"),
    Case("شرمووووووطة", "ar", "abusive", True, "spelling_repeat"),
    Case(
        "\u06cc\u0627 \u062d\u06cc\u0648\u0627\u0646", "ar", "abusive", True, "spelling_homoglyph"
    ),  # Persian ya
    Case("اليهود قردة وخنازير", "ar", "hate", True, "slur"),
    Case("اللاجئين السوريين حشرات ويجب ترحيلهم", "ar", "hate", True, "derogation"),
    Case("الخولات لازم يتطردوا من البلد", "ar", "hate", True, "slur"),
    Case("لا أكره اليهود، عندي أصدقاء يهود", "ar", "hate", False, "negated"),
    Case("عندي كلب اليف في البيت وهو مريض", "ar", "abusive", False, "name_lookalike"),
    Case("أنت لست غبيا، فقط تحتاج إلى بعض الوقت", "ar", "abusive", False, "negated"),
    Case("انا مش كلب زيك", "ar", "abusive", True, "insult_direct"),
    Case("أنا مش بكره المثليين، كل واحد حر", "ar", "hate", False, "negated"),
    Case("أنا مسلمة وأفتخر بحجابي", "ar", "hate", False, "identity_neutral"),
    Case("جاري مسيحي وهو أطيب إنسان عرفته", "ar", "hate", False, "identity_neutral"),
    Case("جاري مسيحي وهو أطيب إنسان عرفته", "ar", "abusive", False, "identity_neutral"),
    Case("وصفني بكلمة 'عبد' بسبب لون بشرتي، وهذه عنصرية", "ar", "hate", False, "counter_quote"),
    Case("قول 'خول' لأي حد ده تنمر ومش مقبول", "ar", "hate", False, "counter_quote"),
    Case("قول 'خول' لأي حد ده تنمر ومش مقبول", "ar", "abusive", False, "counter_quote"),
    Case("تبا، الامتحان كان خرا", "ar", "profanity", True, "profanity_not_hate"),
    Case("تبا، الامتحان كان خرا", "ar", "hate", False, "profanity_not_hate"),
    Case("والله لأذبحك لو شفتك في الشارع", "ar", "threat", True, "threat_direct"),
    Case("هقتلك لو قربت من أختي", "ar", "threat", True, "threat_direct"),
    Case("اعرف وين ساكنة وراح اجي الليلة", "ar", "threat", True, "threat_direct"),
    Case("سأنشر صورك إذا لم ترسلي المال", "ar", "threat", True, "sextortion"),
    Case("النكتة دي قتلتني من الضحك", "ar", "threat", False, "threat_idiom"),
    Case("أريد أن أموت، تعبت من كل شيء", "ar", "self_harm", True, "self_harm_first_person"),
    Case("بدي موت، ما حدا بيفهمني", "ar", "self_harm", True, "self_harm_first_person"),
    Case("افكر في الانتحار كل ليلة", "ar", "self_harm", True, "self_harm_first_person"),
    Case(
        "انتحر شاب في القاهرة بعد خسارة أمواله بحسب الشرطة",
        "ar",
        "self_harm",
        False,
        "self_harm_news",
    ),
    Case(
        "ارتفاع معدلات الانتحار بين المراهقين في دراسة جديدة",
        "ar",
        "self_harm",
        False,
        "self_harm_news",
    ),
    Case("هموت من الضحك على الفيديو ده", "ar", "self_harm", False, "self_harm_idiom"),
    Case("كم عمرك؟ ضيفيني على سناب وما تقولي لأهلك", "ar", "grooming", True, "grooming_combo"),
    Case("قديش عمرك؟ ابعتيلي صورتك ع الخاص وبشحنلك رصيد", "ar", "grooming", True, "grooming_combo"),
    Case(
        "في اي صف انتي؟ امسحي المحادثة بعدين وخلينا نلتقي لوحدنا",
        "ar",
        "grooming",
        True,
        "grooming_combo",
    ),
    Case("كم عمر أخوك؟ بدنا نسجله في نادي الكرة", "ar", "grooming", False, "grooming_benign_age"),
    Case(
        "زرنا قصر الحمراء وشفنا حمار وحشي في حديقة الحيوان",
        "ar",
        "abusive",
        False,
        "name_lookalike",
    ),
    Case("نتابع كاس العالم مع زملائي في العمل", "ar", "abusive", False, "name_lookalike"),
    Case("لعنة الله على الشيطان، لا حول ولا قوة الا بالله", "ar", "abusive", False, "neutral"),
    # ======================================================================= French (fr)
    Case("t'es qu'un bouffon, ferme ta gueule", "fr", "abusive", True, "insult_direct"),
    Case("ntm fdp", "fr", "abusive", True, "insult_direct"),
    Case("espèce de cassos, personne t'aime", "fr", "abusive", True, "insult_direct"),
    Case("sale tepu va", "fr", "abusive", True, "insult_direct"),
    Case("t'es bonne, envoie des nudes", "fr", "abusive", True, "sexual_harassment"),
    Case("t'es une p u t e", "fr", "abusive", True, "spelling_spaces"),
    Case("connaaaaaaard", "fr", "abusive", True, "spelling_repeat"),
    Case("t'es qu'une s4l0pe", "fr", "abusive", True, "spelling_digits"),
    Case("\u0435ncul\u0435 va", "fr", "abusive", True, "spelling_homoglyph"),  # Cyrillic e
    Case("sale arabe, rentre chez toi", "fr", "hate", True, "slur"),
    Case("les juifs sont des parasites", "fr", "hate", True, "derogation"),
    Case("sale pd, on veut pas de toi ici", "fr", "hate", True, "slur"),
    Case("je ne déteste pas les juifs", "fr", "hate", False, "negated"),
    # spoken French puts "pas" before the word it negates; "que" makes it "only", a comma or a
    # comparison with "you" ends it
    Case("t'es pas un idiot, t'as juste raté un exercice", "fr", "abusive", False, "negated"),
    Case("tu n'es pas nulle, arrête de te rabaisser", "fr", "abusive", False, "negated"),
    Case("t'es pas qu'un idiot, t'es un vrai connard", "fr", "abusive", True, "insult_direct"),
    Case("je suis pas ton pote, connard", "fr", "abusive", True, "insult_direct"),
    Case("ta vie m'intéresse pas sale bouffon", "fr", "abusive", True, "insult_direct"),
    # a "pas" of the next clause ("il n'écoute pas") does not negate the insult before it
    Case("bande d'abrutis, il n'écoute pas le prof", "fr", "abusive", True, "insult_direct"),
    Case("le festival s'attarde sur le cinéma marocain", "fr", "abusive", False, "name_lookalike"),
    Case("je suis crevé après le match, je dors", "fr", "abusive", False, "name_lookalike"),
    Case(
        "mon chien est malade, je l'emmène chez le véto", "fr", "abusive", False, "name_lookalike"
    ),
    Case("t'es trop une victime, personne veut de toi", "fr", "abusive", True, "insult_direct"),
    Case("t'es un déchet", "fr", "abusive", True, "insult_direct"),
    Case(
        "je déteste pas les musulmans, j'en ai marre des généralisations",
        "fr",
        "hate",
        False,
        "negated",
    ),
    Case(
        "Dire 'sale arabe' à quelqu'un, c'est du racisme, point.",
        "fr",
        "hate",
        False,
        "counter_quote",
    ),
    Case(
        "Dire 'sale arabe' à quelqu'un, c'est du racisme, point.",
        "fr",
        "abusive",
        False,
        "counter_quote",
    ),
    Case(
        "Il m'a traité de pd devant toute la classe, j'ai signalé",
        "fr",
        "hate",
        False,
        "counter_quote",
    ),
    Case(
        "ma copine est juive et on fête Hanoucca ensemble", "fr", "hate", False, "identity_neutral"
    ),
    Case("Je suis gay et fier", "fr", "hate", False, "identity_neutral"),
    Case(
        "Les migrants subsahariens ont aussi des droits", "fr", "abusive", False, "identity_neutral"
    ),
    Case(
        "putain ce contrôle de maths était de la merde",
        "fr",
        "profanity",
        True,
        "profanity_not_hate",
    ),
    Case(
        "putain ce contrôle de maths était de la merde", "fr", "hate", False, "profanity_not_hate"
    ),
    Case("Je vais te buter à la sortie du lycée", "fr", "threat", True, "threat_direct"),
    Case("Je sais où t'habites, fais gaffe à toi", "fr", "threat", True, "threat_direct"),
    Case("je connais ton adresse, on t'attend à la sortie", "fr", "threat", True, "threat_direct"),
    Case(
        "si tu me paies pas je vais balancer tes photos à tout le collège",
        "fr",
        "threat",
        True,
        "sextortion",
    ),
    Case("Ce boss final me tue, j'ai trop rigolé", "fr", "threat", False, "threat_idiom"),
    Case(
        "je veux mourir, j'en peux plus de tout ça",
        "fr",
        "self_harm",
        True,
        "self_harm_first_person",
    ),
    Case("jveux en finir ce soir", "fr", "self_harm", True, "self_harm_first_person"),
    # the main clause's "ne" does not negate an "if" clause after it
    Case(
        "personne ne remarquera si je disparais", "fr", "self_harm", True, "self_harm_first_person"
    ),
    Case(
        "Un adolescent s'est suicidé à Lyon, une enquête est ouverte",
        "fr",
        "self_harm",
        False,
        "self_harm_news",
    ),
    Case("je meurs de rire mdr", "fr", "self_harm", False, "self_harm_idiom"),
    Case(
        "t'as quel âge ? ajoute-moi sur snap et dis rien à tes parents",
        "fr",
        "grooming",
        True,
        "grooming_combo",
    ),
    Case(
        "t'es en quelle classe ? envoie une photo de toi en maillot",
        "fr",
        "grooming",
        True,
        "grooming_combo",
    ),
    Case(
        "je t'offre des v-bucks si tu viens en privé, c'est notre secret",
        "fr",
        "grooming",
        True,
        "grooming_combo",
    ),
    Case(
        "Ton petit frère a quel âge ? Il peut venir au foot mercredi",
        "fr",
        "grooming",
        False,
        "grooming_benign_age",
    ),
    Case("Le chili con carne de ma mère est trop bon", "fr", "abusive", False, "name_lookalike"),
    Case("La pédale de frein de mon vélo est cassée", "fr", "hate", False, "name_lookalike"),
    Case("Niquel, merci pour ton aide !", "fr", "abusive", False, "name_lookalike"),
    Case("wesh la mif, ça dit quoi ce soir ?", "fr", "abusive", False, "neutral"),
    # ======================================================================= English (en)
    Case("you're a worthless piece of shit", "en", "abusive", True, "insult_direct"),
    Case("stfu you dumb bitch", "en", "abusive", True, "insult_direct"),
    Case("kys loser nobody likes you", "en", "abusive", True, "insult_direct"),
    Case(
        "send nudes or I'm telling everyone you're a slut",
        "en",
        "abusive",
        True,
        "sexual_harassment",
    ),
    Case("f u c k you", "en", "abusive", True, "spelling_spaces"),
    Case("biiiiiitch", "en", "abusive", True, "spelling_repeat"),
    Case("you're such an a$$h0le", "en", "abusive", True, "spelling_digits"),
    Case("shut up you \u0441unt", "en", "abusive", True, "spelling_homoglyph"),  # Cyrillic es
    Case("Muslims are vermin and should be deported", "en", "hate", True, "derogation"),
    Case("go back to africa you monkey", "en", "hate", True, "derogation"),
    Case("women are inferior and belong in the kitchen", "en", "hate", True, "derogation"),
    Case("shut up faggot", "en", "hate", True, "slur"),
    Case("I don't hate Muslims", "en", "hate", False, "negated"),
    Case("you're not stupid, you just need more practice", "en", "abusive", False, "negated"),
    Case("I'm not your friend, idiot", "en", "abusive", True, "insult_direct"),
    Case("I'm not an idiot like you", "en", "abusive", True, "insult_direct"),
    Case("my dog bit me lol", "en", "abusive", False, "name_lookalike"),
    Case("shut up you pig", "en", "abusive", True, "insult_direct"),
    Case("I have never hated gay people and I never will", "en", "hate", False, "negated"),
    Case(
        "Calling someone a 'faggot' is a slur and it's not ok", "en", "hate", False, "counter_quote"
    ),
    Case(
        "Calling someone a 'faggot' is a slur and it's not ok",
        "en",
        "abusive",
        False,
        "counter_quote",
    ),
    Case(
        "He called me a 'tranny' in class and I reported him", "en", "hate", False, "counter_quote"
    ),
    Case("I am a gay man", "en", "hate", False, "identity_neutral"),
    Case(
        "My neighbours are refugees from Sudan and they're lovely",
        "en",
        "abusive",
        False,
        "identity_neutral",
    ),
    Case("We're here, we're queer, get used to it!", "en", "hate", False, "reclaimed"),
    Case(
        "We're marching with our friends at the Dyke March on Saturday",
        "en",
        "hate",
        False,
        "reclaimed",
    ),
    Case("this fucking homework is shit", "en", "profanity", True, "profanity_not_hate"),
    Case("this fucking homework is shit", "en", "hate", False, "profanity_not_hate"),
    Case("I will kill you if you tell anyone", "en", "threat", True, "threat_direct"),
    Case("I know where you live. Watch your back.", "en", "threat", True, "threat_direct"),
    Case("I'm going to shoot up the school tomorrow", "en", "threat", True, "threat_direct"),
    Case("this level is killing me lol", "en", "threat", False, "threat_idiom"),
    Case(
        "I want to die, nobody would even notice", "en", "self_harm", True, "self_harm_first_person"
    ),
    Case("kms tonight, I can't do this anymore", "en", "self_harm", True, "self_harm_first_person"),
    Case(
        "been thinking about ending it all lately",
        "en",
        "self_harm",
        True,
        "self_harm_first_person",
    ),
    Case("no one would care if i was gone", "en", "self_harm", True, "self_harm_first_person"),
    Case(
        "A teenager died by suicide in Ohio, police said",
        "en",
        "self_harm",
        False,
        "self_harm_news",
    ),
    Case("I'm dying lol this meme", "en", "self_harm", False, "self_harm_idiom"),
    Case(
        "how old are you? add me on snap, don't tell your parents",
        "en",
        "grooming",
        True,
        "grooming_combo",
    ),
    Case(
        "what grade are you in? send me a pic, it's our secret",
        "en",
        "grooming",
        True,
        "grooming_combo",
    ),
    Case(
        "how old r u? I'll send you robux if you turn your cam on",
        "en",
        "grooming",
        True,
        "grooming_combo",
    ),
    Case(
        "how old is your brother? the club takes kids from 8",
        "en",
        "grooming",
        False,
        "grooming_benign_age",
    ),
    Case("Scunthorpe United won 2-0 at home", "en", "abusive", False, "name_lookalike"),
    Case("I'm reading Moby Dick for English class", "en", "abusive", False, "name_lookalike"),
    Case("She graduated magna cum laude from Essex", "en", "abusive", False, "name_lookalike"),
    Case(
        "The assistant booked a therapist for the class trip",
        "en",
        "abusive",
        False,
        "name_lookalike",
    ),
    # ======================================================================= all languages
    # ---- an insult phrase with an intensifier or another spelling of "you are"
    Case("t'es vraiment trop con toi", "fr", "abusive", True, "insult_intensified"),
    Case("tu es tellement un raté", "fr", "abusive", True, "insult_intensified"),
    Case("t'es grave moche sur ta pp", "fr", "abusive", True, "insult_intensified"),
    Case("you're such a loser bro", "en", "abusive", True, "insult_intensified"),
    Case("ur so pathetic", "en", "abusive", True, "insult_intensified"),
    # ---- how teens harass each other (no slur, no swear word needed)
    Case("personne ne veut de toi ici", "fr", "abusive", True, "harassment_youth"),
    Case("tu mérites de crever franchement", "fr", "abusive", True, "harassment_youth"),
    Case("tire toi une balle", "fr", "abusive", True, "harassment_youth"),
    Case("on va te casser la gueule lundi", "fr", "threat", True, "harassment_youth"),
    Case("we're gonna beat you up at lunch", "en", "threat", True, "harassment_youth"),
    Case("hope you get cancer", "en", "abusive", True, "harassment_youth"),
    Case("sir tmout a lhmar", "ary", "abusive", True, "harassment_youth"),
    Case("ghadi nrwinek f lkhrja", "ary", "threat", True, "harassment_youth"),
    # ---- praise addressed to the reader is not an insult
    Case("you're so generous, thank you", "en", "abusive", False, "compliment_addressed"),
    Case("you are really creative", "en", "abusive", False, "compliment_addressed"),
    Case("t'es vraiment doué en dessin", "fr", "abusive", False, "compliment_addressed"),
    Case("tu es trop gentil merci", "fr", "abusive", False, "compliment_addressed"),
    Case("nta rajel w nass kaymoutou 3lik", "ary", "abusive", False, "compliment_addressed"),
    Case("nti zwina w dkiya", "ary", "abusive", False, "compliment_addressed"),
    Case("نتا راجل ديال بصح", "ary", "abusive", False, "compliment_addressed"),
]
