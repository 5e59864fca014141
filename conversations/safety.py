"""Crisis signals in a client's message, found before the coach produces any answer.

Every outlet (web, WhatsApp, Telegram) passes the raw text through `crisis_signal` first; when it
names a category the turn gets a safety reply instead of coaching. The detector is deterministic
regular expressions over a normalised text, not a model: it has to run on every message, on a busy
2-core machine, in well under a millisecond, with no download and no Django settings, and every
decision it makes must be explainable to a creator who asks why a message was flagged.

Policy, in order of priority:

- Recall first. A missed crisis costs far more than a needless safety note, so ambiguous phrasing
  ("I can't go on", "I took all my pills") is flagged. `bench/safety.py` measures recall (target
  1.0) and false alarms on a labelled English/Spanish set.
- Figures of speech ("this workout is killing me", "me muero de hambre", "I'd kill for a coffee",
  "casi me da un infarto") are blanked out of the text before the crisis patterns run, rather than
  vetoing the whole message, so a real signal elsewhere in the same message is still found
  ("this workout is killing me and honestly I want to die" is self_harm).
- Only a plain "never" negation is trusted ("I would never hurt myself", "nunca me haría daño"):
  "I'm not going to kill myself" is still flagged, since people in crisis often say it.
- Talk about someone else is flagged the same way (a friend who wants to die, a child being hit,
  a father having a stroke): the person writing may be the one who has to act. General questions
  that name an emergency outright ("what are the signs of a heart attack?", "is suicide common in
  athletes?") are flagged too: a safety note costs little, and telling a question apart from a
  description of what is happening right now is beyond a pattern. Deaths in the past from a heart
  attack or stroke are not flagged; a death by suicide is (bereavement by suicide is a risk).
- Song lyrics and quotations are not recognised: they are flagged like any other text.
- When several categories match, self_harm wins over violence, and violence over medical: an
  overdose taken "to end it" is self_harm (its reply also points to emergency services), while
  "I took all my pills" with no stated intent is medical, because what matters first is getting
  emergency help.
"""

from __future__ import annotations

import re
import unicodedata

CATEGORIES = ("self_harm", "violence", "medical")

# --- normalisation -------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans("", "", "'’‘`´ʼ")
_LAUGHS = re.compile("[\U0001f602\U0001f923\U0001f606\U0001f605\U0001f639]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_RUNS = re.compile(r"([a-z])\1{2,}")

# Chat spellings, one token (or short phrase) to its full form, so patterns are written once.
_SPELLINGS = {
    # Spanish
    "q": "que",
    "k": "que",
    "ke": "que",
    "qe": "que",
    "xq": "porque",
    "xk": "porque",
    "pq": "porque",
    "pk": "porque",
    "porq": "porque",
    "x": "por",
    "d": "de",
    "pa": "para",
    "toy": "estoy",
    "kiero": "quiero",
    "qiero": "quiero",
    "kiere": "quiere",
    "aki": "aqui",
    "tb": "tambien",
    "tmb": "tambien",
    "nd": "nada",
    "nadien": "nadie",
    # English
    "u": "you",
    "ur": "your",
    "r": "are",
    "wanna": "want to",
    "wana": "want to",
    "gonna": "going to",
    "tryna": "trying to",
    "gotta": "got to",
    "imma": "im going to",
    "ima": "im going to",
    "i am": "im",
    "i m": "im",
    "can not": "cant",
    "cannot": "cant",
    "do not": "dont",
    "does not": "doesnt",
    "will not": "wont",
    "any more": "anymore",
    "dnt": "dont",
    "2": "to",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "cos": "because",
    "rn": "right now",
    "pls": "please",
    "plz": "please",
    "ppl": "people",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "hubby": "husband",
    "kms": "kill myself",
    "unalive": "kill",
    "unaliving": "killing",
    "unalived": "killed",
    "sewerslide": "suicide",
    "sewer slide": "suicide",
    "selfharm": "self harm",
}
_SPELLING = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, _SPELLINGS), key=len, reverse=True)) + r")\b")


def _expand(match: re.Match[str]) -> str:
    return _SPELLINGS[match.group(0)]


def normalise(text: str) -> list[str]:
    """The forms of `text` the patterns run over: casefolded, accents and punctuation gone, chat
    spellings expanded. Usually one form; two when letters are stretched ("diiie", "killlll"),
    since squeezing a run to one letter or to two each repairs different words."""
    text = _LAUGHS.sub(" lol ", text.casefold().translate(_APOSTROPHES))
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = " " + _NON_WORD.sub(" ", text).strip() + " "
    forms = [_RUNS.sub(r"\1", text), _RUNS.sub(r"\1\1", text)] if _RUNS.search(text) else [text]
    return [_SPELLING.sub(_expand, form) for form in forms]


# --- patterns ------------------------------------------------------------------------------------


def _any(*patterns: str) -> re.Pattern[str]:
    """One regex for many phrases. Each phrase starts at a word boundary, tested once up front:
    the text is scanned one position at a time, and most positions then fail on one check instead
    of on every phrase (several times faster on this set)."""
    branches = []
    for pattern in patterns:
        for branch in _top_level_branches(pattern):
            if not branch.startswith(r"\b"):
                raise ValueError(f"a crisis phrase must start at a word boundary: {branch!r}")
            branches.append(branch.removeprefix(r"\b"))
    return re.compile(r"\b(?:" + "|".join(branches) + ")")


def _top_level_branches(pattern: str) -> list[str]:
    """`pattern` split on the `|` that are outside any group or character class."""
    branches, depth, start, escaped, in_class = [], 0, 0, False, False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:index])
            start = index + 1
    branches.append(pattern[start:])
    return branches


def _gap(most: int) -> str:
    """Up to `most` whole words between two parts of a phrase."""
    return rf"(?:\w+ ){{0,{most}}}"


_ME = r"(?:my ?self|meself)"
# Someone else's crisis is flagged too: the person writing may be the one who has to act.
_SELF = r"(?:my ?self|meself|him ?self|her ?self|them ?selves|them ?self)"
_PEOPLE_EN = (
    r"(?:he|she|they|someone|somebody|my (?:husband|wife|partner|boyfriend|girlfriend|ex|dad|father|mom|mum|mother"
    r"|stepdad|stepfather|stepmom|stepmother|brother|sister|uncle|aunt|grandpa|cousin|boss|son|daughter|roommate"
    r"|flatmate|fiance|fiancee|landlord|teacher|coach|neighbou?r))"
)
_CHILDREN_EN = (
    r"(?:my|our|the|his|her|their) (?:kids?|children|child|son|daughter|baby|babies|toddler|little (?:brother|sister)"
    r"|niece|nephew|grand(?:son|daughter|kids))"
)
_CHILDREN_ES = (
    r"(?:a )?(?:(?:mis|los|nuestros|sus) (?:hijos|hijas|ninos|ninas|nenes|bebes|hermanitos|sobrinos)"
    r"|(?:mi|el|la|su|nuestro|nuestra) (?:hijo|hija|nino|nina|bebe|nena|nene|hermanito|hermanita|sobrino|sobrina))"
)
_WANT_EN = (
    r"(?:want|wants|wanted|wanting|wish|wishes|wished|wishing|ready|deserve|rather|prefer|tempted|thinking about"
    r"|thinking of"
    r"|thought about|thoughts? of|think about|feel like|feeling like|urge|urges|longing|plan|planning|going|decided)"
)
_WANT_ES = (
    r"(?:quiero|quisiera|queria|deseo|ganas de|pienso en|pensando en|pense en|pensado en|voy a|iba a|me gustaria"
    r"|prefiero|preferiria|necesito|planeando|decidi|decidido)"
)

_SELF_HARM = _any(
    r"\bsui[cs]id\w*",
    r"\bself (?:harm\w*|injur\w*|destruct\w*)|\bautolesi\w+|\bautoagre\w+",
    # Acts against oneself, in any tense: "kill myself", "been cutting myself", "hang myself".
    rf"\b(?:kill|end|off|hang|shoot|drown|poison|stab|hurt|harm|cut|burn|starve|punish|suffocate|strangle|choke)"
    rf"(?:s|ed|ing|t|ting|ning|ned)? {_SELF}\b",
    rf"\b(?:make|made|making) {_ME} (?:throw up|vomit|puke|sick|bleed)",
    r"\b(?:take|took|taking|takes|end|ending|ended|ends) (?:my|his|her|their) (?:own )?life\b",
    rf"\b{_WANT_EN} {_gap(2)}(?:to )?(?:die|dying|be dead|being dead|not (?:be|being) (?:alive|around)"
    r"|not (?:be|being) here anymore|not exist\w*|stop existing|disappear\w*|sleep forever|never wake up|not wake up"
    r"|end (?:it|it all|everything|things|my life|this)|ending (?:it|it all|everything|things|my life)|jump off)\b",
    r"\b(?:dont|no longer|never) want to (?:live|be alive|exist|wake up|be here anymore|go on|keep going|be around)",
    r"\b(?:so|that|hope|hoping|wish) (?:i )?(?:dont|wont|never|not) (?:wake up|have to wake up)",
    r"\b(?:sleep|asleep) (?:\w+ ){0,2}(?:and )?(?:never|not|dont|wont) (?:wake up|wake again)",
    r"\b(?:better off|happier|easier) (?:\w+ )?(?:without me|if i (?:was|were|wasnt|werent|died|disappeared)"
    r"|when im gone|with me gone|dead)",
    r"\b(?:wish|wished) (?:i|id) (?:was|were|had|could|would) (?:\w+ )?(?:dead|gone|never been born|not born"
    r"|disappear|die|not exist|not wake up)",
    r"\b(?:nothing|no one|noone|nobody|no reason) (?:left )?to live for|\bno (?:\w+ )?reason (?:for me |for him "
    r"|for her )?"
    r"to (?:live|go on|keep going|stay|be alive|be here)",
    r"\b(?:life|living|lifes) (?:is |isnt )?(?:not )?worth (?:living|it anymore)|\bnot worth living",
    r"\b(?:no point|whats the point|what is the point|pointless) (?:in |of )?(?:living|being alive|life|going on"
    r"|me being here|existing|anything anymore)",
    r"\bcant go on\b(?! (?:with|to|a|the|my|this|that|vacation|holiday|trips?|runs?|walks?|dates?))",
    r"\b(?:tired|sick) of (?:living|being alive|existing|life itself)",
    r"\b(?:suicide|goodbye) (?:note|letter)s?|\bgiving away (?:all )?my (?:stuff|things|belongings)",
    r"\bjump\w* (?:off|from|in front of) (?:a|the|my) (?:bridge|building|roof|balcony|train|cliff|window)",
    r"\b(?:bought|buy|got|have|found) (?:a )?(?:rope|gun|pills) to\b",
    # Spanish
    r"\b(?:me (?:quiero|voy a|pienso)|se (?:quiere|va a|piensa)) (?:morir|matar|suicidar|quitar la vida|colgar|ahorcar"
    r"|tirar (?:de|del|por|desde|al))|\b(?:quitarse la vida|matarse|ahorcarse|colgarse)\b",
    r"\bme (?:quiero|voy a|vuelvo a|volvi a|he vuelto a) (?:cortar|lastimar|hacer dano|herir)",
    rf"\b{_WANT_ES} {_gap(2)}(?:morir\w*|matarme|quitarme la vida|acabar con (?:todo|mi vida|esto|mi existencia)"
    r"|terminar con (?:todo|mi vida|esto)|desaparecer|dejar de (?:existir|vivir|estar aqui)|no (?:despertar|existir"
    r"|estar aqui|vivir|seguir aqui)|dormir para siempre|colgarme|ahorcarme|tirarme|aventarme|lanzarme"
    r"|cortarme|lastimarme|hacerme dano|herirme|envenenarme)",
    r"\bno (?:quiero|deseo) (?:seguir )?(?:vivir|viviendo|existir|despertar|estar aqui|seguir aqui|estar en este mundo"
    r"|seguir en este mundo|seguir existiendo)",
    r"\bpara (?:no|ya no|nunca) (?:despertar|volver a despertar|sufrir mas|tener que despertar)",
    r"\bno (?:le )?(?:veo|encuentro|tiene) (?:ningun |ni un )?sentido (?:a |de )?(?:seguir|la vida|vivir|mi vida|nada"
    r"|estar aqui|existir)",
    r"\bno vale la pena (?:vivir|seguir|estar vivo|estar viva|mi vida)",
    r"\b(?:estarian|estaria|estarias|estaran|seria|serian|vivirian) (?:\w+ ){0,2}(?:mejor|mas felices) sin mi\b",
    r"\b(?:seria|es|estaria|sera) mejor (?:\w+ )?(?:no (?:despertar|existir|estar aqui|haber nacido|seguir)|morir\w*"
    r"|desaparecer|estar muert[oa]|acabar con todo)|\bmejor (?:estaria|estar|estuviera) muert[oa]"
    r"|\bojala (?:\w+ )?(?:estuviera|estuviese) muert[oa]",
    r"\bojala (?:no (?:despertar\w*|despierte|hubiera nacido)|me (?:muera|muriera|muriese))",
    r"\b(?:cansad[oa]|hart[oa]) de (?:vivir|estar viv[oa]|existir)",
    r"\bcarta de despedida|\bregalando (?:todas )?mis cosas",
    r"\b(?:me corto|me corte|me he cortado|me estoy cortando|me cortaba) (?:\w+ )?(?:las munecas|los brazos"
    r"|las piernas|los muslos|la piel|otra vez|de nuevo|a proposito)",
    r"\b(?:me hago|me he hecho|me hice|me estoy haciendo) dano (?:a proposito|otra vez|de nuevo|yo mism[oa])",
    r"\bcortarme las venas|\bme (?:lastimo|quemo|pego) a proposito",
)

_VIOLENCE = _any(
    rf"\b{_PEOPLE_EN} {_gap(2)}(?:hits|hit|hitting|beats|beat|beating|punches|punched|punching|kicks|kicked|kicking"
    r"|slaps|slapped|slapping|chokes|choked|choking|strangles|strangled|strangling|hurts|hurt|hurting|abuses|abused"
    r"|abusing|rapes|raped|raping|assaults|assaulted|molests|molested|threatens|threatened|threatening|shoves|shoved"
    r"|grabs|grabbed|drags|dragged|burns|burned|burnt|bites|bit|smacks|smacked|forces|forced|stalks|stalked"
    r"|stalking|locks|locked|throws|threw|touches|touched|touching|gropes|groped|following|follows|followed) me\b",
    rf"\b(?:hits|hit|hitting|beats|beating|hurts|hurting|abuses|abused|abusing|molests|molested|touches|touched"
    rf"|touching|kicks|kicked|slaps|slapped|chokes|choked|burns|burned|shakes|shook) {_CHILDREN_EN}",
    rf"\b{_CHILDREN_EN} (?:is|was|has been|got|gets|is being|keeps getting) (?:\w+ )?(?:abused|hit|beaten|molested"
    r"|touched|raped|hurt by)",
    r"\b(?:im|ive been|i was|i got|i get|been|being|getting|got|was) (?:\w+ )?(?:abused|beaten up|beaten|raped"
    r"|sexually assaulted|assaulted|molested|trafficked|stalked|choked|strangled|threatened|attacked)\b",
    r"\b(?:rape|raped|molested|sexual(?:ly)? (?:abuse|abused|assault|assaulted|harassed))\b",
    r"\b(?:domestic|partner|family|physical|emotional) (?:violence|abuse)|\bchild abuse|\bchild (?:is )?in danger",
    r"\b(?:afraid|scared|terrified|fear|frightened) (?:\w+ )?(?:to go|of going|to be|of being|to get) (?:back )?home",
    rf"\b(?:afraid|scared|terrified|frightened|fear) (?:of|for) (?:my life|{_PEOPLE_EN}\b(?! (?:dog|cat|spider)))",
    r"\b(?:afraid|scared|terrified|frightened|fear|worried) (?:that )?(?:he|she|they|hell|shell|theyll|he will"
    r"|she will|he might|she might|he is going to|she is going to|hes going to|shes going to) (?:\w+ )?"
    r"(?:kill|hurt|hit|beat|rape|find) (?:me|us|my)",
    r"\b(?:threatened|threatening|threatens|threaten|threat) (?:\w+ )?(?:to kill|to hurt|to hit|to beat|to take the"
    r" kids|to take my kids|with a (?:knife|gun))",
    r"\b(?:said|says|swore|promised) (?:he|she|they)(?:d| would| will|ll)? (?:\w+ )?(?:kill|hurt) me\b",
    r"\b(?:pointed|held|holding|pulled|pulls) (?:a|his|her|the) (?:gun|knife|weapon) (?:at|to|on) (?:me|my)",
    r"\b(?:not|dont feel|never feel|dont) (?:feel )?safe (?:at home|in my (?:own )?(?:home|house)|with (?:him|her"
    r"|my (?:husband|wife|partner|boyfriend|girlfriend|dad|father|mom|mother|stepdad)))",
    r"\b(?:wont|doesnt|dont) let me (?:leave|go out|see my|out of)|\blocks? me (?:in|up)\b|\blocked me (?:in|up)\b",
    r"\b(?:touched|touches|touching) (?:me|him|her) (?:inappropriately|down there|without|where|in (?:my|his|her)"
    r" private)",
    r"\b(?:makes|made|forces|forced|pressures|pressured) (?:me|him|her) (?:to )?(?:have sex|do sexual|do things"
    r"|touch him|touch her|send (?:nudes|pictures))",
    r"\bfollowed me home|\b(?:stalking|stalks) me\b",
    r"\b(?:showed up|came|turned up|waiting|attacked|threatened|went after|comes? at) (?:\w+ ){0,5}with a (?:knife|gun"
    r"|weapon|bat)",
    # Spanish
    r"\b(?<!se )me (?:pega|pegaba|pego|pegan|golpea|golpeaba|golpeo|golpean|maltrata|maltrataba|maltrato|viola"
    r"|violo|violaron|amenaza|amenazo|amenazaba|amenazan|ahorca|ahorco|ahorcaba|estrangula|estrangulo|patea|pateo"
    r"|pateaba|abofetea|abofeteo|cachetea|cacheteo|empuja|empujo|empujaba|lastima|lastimo|lastimaba|arrastra"
    r"|arrastro|encierra|encerro|encerraba|quema|quemo|acosa|acoso|acosaba|persigue|sigue a todas partes"
    r"|manosea|manoseo|manoseaba|muerde|mordio|jalonea|jaloneo|zarandea)\b"
    r"(?! (?:un |una )?(?:susto|sol|resfriado|gripe|virus|cancion|catarro|bajon|subidon|sueno|hambre|grito|el bicho"
    r"|la gripe|el sol|el resfriado|fuerte|con (?:la|el) (?:cafe|sol)|bien|mucho el))",
    rf"\b(?:le|les|nos) (?:pega|pegaba|pego|golpea|golpeaba|golpeo|maltrata|maltrataba|pegan|golpean|maltratan)"
    rf" (?:{_CHILDREN_ES}|a (?:mi|mis|nosotros|nosotras|nuestra|nuestro|nuestros) )",
    rf"\b(?:pega|pegaba|golpea|golpeaba|maltrata|maltrataba|abusa de|abuso de|toca a|tocaba a"
    rf"|manosea a) {_CHILDREN_ES}",
    r"\b(?:abusa|abusaba|abuso|abusaron|abusan|se aprovecho|se aprovecha) de mi\b",
    r"\bme (?:toca|tocaba|toco|tocan) (?:sin (?:mi )?(?:permiso|querer)|mis partes|sus partes|donde|las partes"
    r"|por debajo"
    r"|cuando (?:estamos|estoy|nadie|duermo))",
    r"\b(?:abuso|acoso|agresion|violencia) sexual|\bviolencia (?:domestica|de genero|intrafamiliar|familiar|en casa)",
    r"\b(?:fui|fue|he sido|ha sido|soy) (?:\w+ )?(?:violad[ao]|abusad[ao]|golpead[ao]|maltratad[ao]|agredid[ao])",
    r"\b(?:me|nos) (?:ha |han )?(?:violado|abusado|golpeado|maltratado|agredido|amenazado)\b",
    r"\b(?:dio|dieron|da|dan|daba) (?:una )?(?:paliza|golpiza|bofetada|cachetada|punetazo|patada)s? (?:a mi|a mis)?",
    r"\b(?:me|nos|le) (?:dio|dieron|da|dan|daba|pego|pegaron) (?:una )?(?:paliza|golpiza|bofetada|cachetada|punetazo)",
    r"\b(?:miedo|panico|terror) (?:de |a )?(?:volver|regresar|ir|llegar|estar) (?:a|en) (?:mi )?casa",
    r"\b(?:miedo|panico|terror) (?:de|a) (?:que )?(?:mi (?:pareja|esposo|marido|novio|novia|esposa|ex|papa|padre"
    r"|padrastro|madrastra|mama|madre|hermano|tio|jefe|suegro)\b|que me (?:mate|pegue|haga dano|lastime|golpee|viole"
    r"|encuentre))",
    r"\bamenaz\w* con (?:matarme|matarnos|hacerme dano|pegarme|lastimarme|quitarme a (?:los|mis)|un cuchillo"
    r"|una pistola"
    r"|un arma|una navaja)",
    r"\b(?:dijo|dice|jura|juro) (?:\w+ )?que me (?:va a|iba a|podria) (?:matar|hacer dano|pegar)",
    r"\bno me siento segur[ao] (?:en (?:mi )?casa|con (?:el|ella|mi))|\bno estoy a salvo",
    r"\bno me deja (?:salir|ver a|hablar con|tener)|\bme (?:tiene|tienen) encerrad[ao]",
    r"\b(?:apunto|apunta|apuntaba) con (?:un|una) (?:pistola|arma|cuchillo|navaja)",
)

_MEDICAL = _any(
    # Heart and chest
    r"\bchest (?:\w+ )?(?:pain|pains|hurts|hurting|tight\w*|pressure|feels (?:tight|heavy)|is (?:tight|heavy|crushing)"
    r"|squeez\w*|crushing)|\b(?:pain|pressure|tightness|crushing) (?:\w+ ){0,2}(?:in|on) my chest",
    r"\bheart attack|\bcardiac arrest|\bheart (?:has )?stopped",
    r"\b(?:pain|numb\w*|tingl\w*|hurts|hurting) (?:\w+ ){0,3}(?:left arm|my jaw)\b",
    r"\b(?:having|had|is having|think|thinks) (?:\w+ )?(?:a )?stroke\b|\bstroke (?:symptoms|signs)|\bface (?:\w+ )?"
    r"(?:droop\w*|drooping|numb)|\bslurr\w* (?:\w+ )?(?:speech|words)|\bspeech (?:is )?slurred",
    r"\bcant (?:move|feel) (?:my |his |her )?(?:\w+ )?(?:one side|left side|right side|half)",
    r"\b(?:worst|sudden|thunderclap) (?:\w+ )?headache",
    # Breathing
    r"\b(?:cant|cant really|unable to|struggling to|hard to|difficulty|trouble|barely) (?:breathe|breathing|breath)\b",
    r"\b(?:isnt|is not|not|stopped|wasnt|stop) breathing|\bgasping for (?:air|breath)|\b(?:lips|face) (?:\w+ )?"
    r"(?:turn\w* )?(?:blue|purple)",
    r"\bchoking on\b|\b(?:is|hes|shes|baby is) choking\b",
    # Overdose and poisoning
    r"\boverdos\w*",
    r"\b(?:took|taken|swallowed|take|ate|had) (?:\w+ )?(?:all|too many|a bunch of|a handful of|a whole (?:bottle|box"
    r"|pack"
    r"|packet|strip)|the whole (?:bottle|box|pack|packet|strip)|\d+|twenty|thirty|fifty|lots of|loads of) (?:\w+ ){0,2}"
    r"(?:pills|tablets|meds|medication|medicine|painkillers|sleeping pills|paracetamol|tylenol|ibuprofen|xanax"
    r"|antidepressants|insulin)",
    r"\b(?:drank|swallowed|ate|ingested|drink|swallow|drinking) (?:\w+ )?(?:bleach|detergent|antifreeze|rat poison"
    r"|poison|pesticide|cleaning (?:product|liquid|fluid)|a battery|batteries|a magnet|lye|drain cleaner)",
    r"\bpoison\w*(?<!food poisoning)\b|\bcarbon monoxide",
    # Consciousness
    r"\b(?:fainted|fainting|faint|unconscious|unresponsive|collapsed|passed out|passing out|blacked out|blacking out"
    r"|keeled over|wont wake up|cant wake (?:him|her|them) up|not waking up|not responding)\b",
    r"\b(?:seizure|seizures|convuls\w*|fitting|epileptic fit)\b|\bseizing\b(?! up)",
    # Bleeding
    r"\b(?:wont|doesnt|cant|will not|does not|isnt going to) stop bleeding|\bbleeding (?:\w+ )?(?:a lot|heavily|badly"
    r"|profusely|everywhere|so much|really bad|nonstop|non stop)|\b(?:lots of|so much|a lot of|tons of|pool of) blood",
    r"\b(?:coughing|vomiting|throwing|puking|spitting) (?:up )?blood|\bblood in (?:my|his|her) (?:vomit|throw up)",
    r"\bpregnan\w* (?:\w+ ){0,8}(?:bleed\w*|blood|spotting|cramp\w*)|\b(?:bleed\w*|blood|spotting) (?:\w+ ){0,8}"
    r"(?:pregnan\w*|weeks along)",
    # Allergy
    r"\ballergic reaction|\banaphyla\w*|\bepi ?pen\b",
    r"\b(?:throat|tongue|lips|lip|face|mouth) (?:\w+ ){0,2}(?:swell\w*|swollen|closing)|\bswelling (?:\w+ ){0,2}"
    r"(?:throat|tongue|lips|face)",
    r"\b(?:call|calling|called|need|needs) (?:\w+ )?(?:911|999|112|an ambulance|ambulance|paramedics|poison control)",
    r"\bambulance\b",
    # Spanish
    r"\b(?:dolor|duele\w*|presion|opresion|aprieta|punzada|punzadas|pinchazo|pinchazos) (?:\w+ ){0,3}(?:en )?(?:el )?"
    r"pecho\b|\bpecho (?:\w+ )?(?:me )?(?:duele|aprieta|oprime|arde)",
    r"\b(?:infarto|ataque (?:al corazon|cardiaco)|paro cardiaco|paro cardiorrespiratorio)",
    r"\b(?:dolor|duele\w*|dormido|entumecid[oa]|hormigueo|adormecid[oa]) (?:\w+ ){0,4}(?:brazo izquierdo|mandibula)",
    r"\b(?:derrame cerebral|ictus|embolia|accidente cerebrovascular|acv)\b",
    r"\b(?:la cara|la boca|un lado) (?:\w+ ){0,2}(?:caid[oa]|torcid[oa]|dormid[oa]|paralizad[oa])|\bse le (?:cae|cayo"
    r"|tuerce|torcio) (?:la cara|la boca|un lado)|\barrastra(?:ndo)? las palabras|\bhabla (?:muy )?raro",
    r"\bno (?:puedo|puede|pueden|podemos) mover (?:el brazo|la pierna|un lado|medio cuerpo|la mitad)",
    r"\bpeor dolor de cabeza|\bdolor de cabeza (?:\w+ )?(?:repentino|de repente|insoportable)",
    r"\bno (?:puedo|puede|podia|podemos) respirar|\b(?:me|le) cuesta (?:\w+ )?respirar|\b(?:me|le) falta (?:el aire"
    r"|la respiracion)|\bdificultad (?:\w+ )?(?:para|al) respirar|\bse (?:esta )?ahog\w+|\bno respira\b"
    r"|\blabios (?:\w+ )?(?:morados|azules)",
    r"\bsobredosis",
    r"\b(?:tome|tomo|tomado|trague|trago|tragado|bebi|bebio|bebido|tomamos|comio) (?:\w+ ){0,2}(?:todas (?:las|mis|sus)"
    r"|un frasco|una caja|muchas|muchisimas|un monton de|toda la caja|todo el frasco|varias cajas|\d+|veinte|treinta"
    r"|cincuenta|demasiadas) (?:\w+ ){0,2}(?:pastillas|pildoras|capsulas|medicinas|medicamentos|paracetamol|ibuprofeno"
    r"|antidepresivos|tabletas|calmantes|somniferos|insulina)",
    r"\b(?:tome|tomo|trague|trago|bebi|bebio|comio|tomado|tragado|bebido) (?:\w+ )?(?:lejia|cloro|veneno|detergente"
    r"|raticida|lavavajillas|limpiador|una pila|pilas|insecticida|anticongelante|un iman|sosa caustica)",
    r"\benvenen\w+|\bintoxic\w+(?! alimentaria)",
    r"\bdesmay\w+|\b(?:perdio|perdi|ha perdido|he perdido|perdiendo) el conocimiento|\binconsciente|\bno reacciona"
    r"|\bno despierta\b|\bse desplomo|\bse (?:cayo|desplomo) y no",
    r"\bconvulsi\w+|\b(?:ataque|crisis) epileptic\w+",
    r"\bno (?:para|deja|paro|dejo) de sangrar|\bsangr\w+ (?:\w+ )?(?:mucho|muchisimo|sin parar|a chorros|un monton)"
    r"|\bmucha sangre|\bcharco de sangre|\b(?:vomit\w+|tos\w*|escupi\w*) (?:con )?sangre",
    r"\bembaraz\w* (?:\w+ ){0,8}(?:sangr\w+|manch\w+|sangre|colicos)|\b(?:sangr\w+|manchando|sangre) (?:\w+ ){0,8}"
    r"(?:embarazad\w+|embarazo|semanas de gestacion)",
    r"\breaccion alergica|\bse me (?:esta )?(?:hinch\w+|cierra|cerrando) la (?:garganta|lengua|cara|boca)|\b(?:garganta"
    r"|lengua|cara|labios|boca) (?:\w+ ){0,2}(?:hinchad\w+|hinchando|cerrando)",
    r"\bambulancia|\b(?:llam\w+|marc\w+) (?:al|a la|a una|a) (?:911|112|emergencias)",
)

# Figures of speech and safe contexts, blanked out before the crisis patterns run. Each one is a
# whole phrase, narrow enough that blanking it cannot remove a real signal next to it.
_FIGURES = _any(
    # English
    r"\b(?:die|died|dying|dead) (?:of|from|with) (?:embarrassment|shame|laughter|laughing|boredom|cringe|cuteness"
    r"|happiness|jealousy|envy|excitement)|\b(?:die|died|dying) laughing",
    r"\bdying (?:to|for)\b(?! real| good)|\b(?:would|id|could) die for\b|\bto die for\b",
    r"\bdisappear\w* (?:for (?:a|an|the|some|\d)|to (?:a|an|the)|into (?:a|an|the) (?:book|mountains|woods)"
    r"|from (?:social media|instagram|the group|the chat))",
    rf"\b(?:hurt|injured|injure|burn\w*|cut\w*) {_ME} (?:(?:at|in|during) (?:the |a |my )?(?:gym|practice|training"
    r"|class|game|match|workout|session|run|race|kitchen)|(?:while|when) (?:i was )?(?:lifting|running|playing"
    r"|training|squatting|deadlifting|cycling|exercising|working out|cooking|shaving|chopping))",
    rf"\bcut\w* {_ME} (?:\w+ ){{0,4}}(?:shaving|cooking|chopping|slicing)|\bburn\w* {_ME} (?:on|with) (?:the |a |my "
    rf"|some )?"
    r"(?:hot )?(?:oven|stove|pan|iron|tea|coffee|water|kettle|oil|curling iron)",
    rf"\b(?:would|will|could|id|ill) never (?:\w+ )?(?:hurt|kill|harm|cut) {_ME}|\bim not suicidal",
    r"\b(?:nearly|almost|practically) (?:had|gave me|give me|giving me) a heart attack|\bgave me a heart attack"
    r"|\bheart attack (?:on a plate|burger)",
    r"\b(?:died|passed away|death|lost (?:him|her|my \w+)) (?:of|from|to|after) (?:a )?(?:heart attack|stroke|cancer)",
    r"\b(?:lol|lmao|haha\w*|jaja\w*|laughing|crying) (?:\w+ ){0,3}cant breathe|\bcant breathe (?:\w+ ){0,3}(?:lol|lmao"
    r"|haha\w*|jaja\w*|laughing|from laughing)",
    r"\b(?:passed out|crashed|collapsed) (?:\w+ )?(?:on|in) (?:the|my) (?:couch|sofa|bed)|\bpassed out (?:early|at \d)",
    r"\bhit me with (?:a |an |the |this |that |some )?(?:\w+ )?(?:news|idea|question|truth|reality check|plan|joke"
    r"|compliment|request|bill|offer|surprise)|\bbeat me (?:in|at|to|by|on)\b|\bhit me up\b"
    r"|\bkicked me out of (?:the|my) (?:group|chat|team|game)",
    r"\bsuicide (?:sprints?|runs?|drills?|squats?|burpees?|lines?)|\b(?:did|do|doing|ran|run|running) (?:\w+ ){0,2}"
    r"suicides\b|\b(?:career|political|social|professional|fashion|commercial) suicide",
    r"\btook (?:all )?my (?:pills|meds|medication|vitamins|supplements) (?:today|this morning|tonight|on time"
    r"|as prescribed)",
    r"\b(?:pains?|pressure|tight\w*|sore\w*) (?:\w+ ){0,2}(?:chest day|chest press)",
    # Spanish
    r"\bmori\w* (?:de|del) (?:la )?(?:risa|verguenza|hambre|sueno|ganas|frio|calor|aburrimiento|envidia|amor|miedo|sed"
    r"|cansancio|pena|celos|emocion|nervios|gusto)",
    r"\bmori\w* por (?:un|una|unos|unas|ver|probar|ir|conocer|comer|tomar|saber)",
    r"\bdesaparecer (?:un|una|unos|unas|por (?:un|una|unos|unas)|el fin de semana|de (?:las )?redes|del (?:grupo|chat)"
    r"|a la playa|al campo|a la montana)",
    r"\bcortarme (?:el|la|las|los) (?:pelo|cabello|unas|barba|flequillo|fleco|puntas|melena|bigote)",
    r"\bme corte (?:el|un) (?:dedo|pelo|cabello) (?:\w+ ){0,3}(?:cocinando|picando|cortando|afeitando)",
    r"\b(?:casi|por poco|que) me (?:da|dio|daba) (?:un|algo un) (?:infarto|ataque)|\bme va a dar un (?:infarto|ataque)"
    r"|\binfarto de (?:la )?risa",
    r"\b(?:murio|fallecio|muerte|perdi a \w+ \w*) (?:de|por) (?:un )?(?:infarto|ataque al corazon|derrame|ictus"
    r"|cancer)",
    r"\brespirar de (?:la )?risa|\b(?:jaja\w*|lol) (?:\w+ ){0,3}no puedo respirar|\bno puedo respirar (?:\w+ ){0,2}"
    r"(?:jaja\w*|lol|de (?:la )?risa)",
    r"\bme falta el aire (?:cuando|al) (?:corro|correr|subo|subir|entreno|entrenar|hago|hacer|nado|nadar)",
    r"\bdesmay\w+ de (?:la )?(?:risa|sueno|aburrimiento|gusto)",
    r"\b(?:nunca|jamas) (?:me )?(?:haria|hare|lastimaria|mataria|quitaria|suicidaria|haria dano)\b|\bno soy suicida"
    r"|\bno tengo (?:pensamientos|ideas) suicidas",
    r"\bpastillas (?:de hoy|del dia|a (?:su|tiempo|la) hora|a tiempo|de la manana|de la noche)",
)

_ORDER = (("self_harm", _SELF_HARM), ("violence", _VIOLENCE), ("medical", _MEDICAL))


def crisis_signal(text: str) -> str | None:
    """The crisis category `text` signals ("self_harm", "violence" or "medical"), or None.

    Runs before any answer is produced, on every outlet; see the module docstring for the policy
    (recall first, figures of speech blanked rather than vetoing, self_harm > violence > medical).
    """
    forms = [_FIGURES.sub(" ~ ", form) for form in normalise(text)]
    for category, pattern in _ORDER:
        if any(pattern.search(form) for form in forms):
            return category
    return None
