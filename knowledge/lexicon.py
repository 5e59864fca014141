"""A small English <-> Spanish lexicon of everyday coaching words, for cross-lingual matching.

Multilingual e5 (small, 4-bit) ranks a passage in the other language below a same-language passage
on a neighbouring topic more often than it should ("siesta" against "Naps", "week one" against
"Semana uno"), and BM25 cannot help across languages at all: the words differ. `translations`
gives, for the content words of a question, their usual counterparts in the other language, so
the lexical query (knowledge.lexical) and the shared-word bonus of sentence choice
(knowledge.sentences) can match a passage written in the other language.

The pairs are general vocabulary of the domains a coach speaks about (sleep, food, training,
health, schedules, days, numbers), written by hand; they are not taken from any material or
evaluation set. Words are compared folded and lightly stemmed, as knowledge.lexical does.
"""

from __future__ import annotations

import re
from functools import cache

# How a question asks, not what about: "a qué hora" asks for a time of day, not about hours, so the
# words of these phrases are not translated.
INTERROGATIVE = re.compile(
    r"\b(what time|how (many|much|long|often|far|late|early|old)|at what time|"
    r"a qu[eé] hora|qu[eé] hora|cu[aá]nt[oa]s?|cada cu[aá]nto|cu[aá]ndo|c[oó]mo|qu[eé])\b",
    re.IGNORECASE,
)

# English word(s) | Spanish word(s); several words on one side are alternatives.
PAIRS = """
sleep slept sleeping | dormir sueno duermo
nap naps napping | siesta siestas
bed bedtime | cama acostarse
bedroom | dormitorio habitacion
night nightly | noche noches
morning | manana
afternoon | tarde
evening | tarde noche
wake awake | despertar despertarse levantarse
rest | descanso descansar
recovery recover | recuperacion recuperar
tired fatigue tiredness | cansancio cansado
alertness alert | alerta
caffeine | cafeina
coffee | cafe
tea | te
alcohol alcoholic drink drinks | alcohol alcoholica bebida bebidas copa
screen screens phone | pantalla pantallas movil telefono
light lights | luz luces
temperature | temperatura
degrees | grados
cool cold | fresco frio
hot heat warm | calor caliente
shower | ducha duchas
water | agua
drink drinking | beber bebo tomar
thirst thirsty | sed
hydration hydrated dehydration | hidratacion hidratado deshidratacion
salt salts mineral minerals electrolytes | sal sales minerales
sodium | sodio
potassium | potasio
sweat sweating | sudor sudar
urine | orina
headache | dolor cabeza
cramp cramps | calambre calambres
food eat eating meal meals | comida comer comidas
breakfast | desayuno desayunar
lunch | almuerzo comida
dinner supper | cena cenar
snack snacks | tentempie snack merienda
protein proteins | proteina proteinas
carbohydrate carbohydrates carbs | carbohidratos hidratos
fat fats | grasa grasas
fibre fiber | fibra
sugar sugars | azucar
added | anadido anadida
vegetable vegetables | verdura verduras vegetales hortalizas
fruit fruits | fruta frutas
portion portions serving | racion raciones porcion
handful | punado
egg eggs | huevo huevos
yogurt yoghurt | yogur
lentils | lentejas
chickpeas | garbanzos
fish | pescado
chicken | pollo
meat | carne
nuts | frutos secos nueces
oats | avena
rice | arroz
bread toast | pan tostada
vegetarian | vegetariano vegetariana
vegan | vegano vegana
source sources | fuente fuentes
weight | peso
kilogram kilograms kilo | kilogramo kilogramos kilo
gram grams | gramo gramos
litre litres liter liters | litro litros
millilitre millilitres milliliter | mililitro mililitros
cup cups | taza tazas
can | lata
train training workout exercise exercising | entrenar entrenamiento entreno ejercicio
session sessions | sesion sesiones
strength | fuerza
plan program programme | plan programa
walk walking walks | caminar caminata caminatas camina
run running runs | correr carrera
jog jogging | trote trotar
swim swimming | nadar natacion nada
bike cycling bicycle | bicicleta pedalear
squat squats | sentadilla sentadillas
push-up pushups | flexion flexiones
plank | plancha
bridge | puente
glute glutes | gluteo gluteos
jump jumps jumping | salto saltos saltar
interval intervals | intervalo intervalos
repetition repetitions reps | repeticion repeticiones
set sets series | serie series
warm-up warm | calentar calentamiento calienta
mobility | movilidad
stretch stretching | estirar estiramiento
injury injuries injured | lesion lesiones lesionado
pain hurt hurts | dolor duele
sharp | agudo
sore soreness muscle muscles | agujetas muscular musculo musculos
knee knees | rodilla rodillas
ice | hielo
swell swollen swelling | hinchar hincha hinchazon
physiotherapist physio physical therapist | fisioterapeuta fisio
doctor | medico
shoes sneakers trainers | zapatillas calzado zapatos
kilometres kilometers km | kilometros
habit habits | habito habitos
week weeks weekly | semana semanas semanal
weekend weekends | fin semana
day days daily | dia dias diario
month monthly | mes mensual
year | ano
hour hours | hora horas
minute minutes | minuto minutos
time schedule | hora horario
monday | lunes
tuesday | martes
wednesday | miercoles
thursday | jueves
friday | viernes
saturday saturdays | sabado sabados
sunday sundays | domingo domingos
weekday weekdays | laborable laborables entre semana
holiday holidays | festivo festivos vacaciones
open opens opening | abre abierto apertura abrir
close closed closes closing | cierra cerrado cierre cerrar
studio gym | estudio gimnasio
class classes | clase clases
book booking reserve | reservar reserva
cancel cancellation | cancelar cancelacion
membership member members | membresia socio socios cuota
guest friend | invitado amigo
free | gratis gratuito gratuita
price cost | precio coste
parking | aparcamiento parking
code | codigo
gate | puerta
one first | uno primera primero
two second | dos segunda segundo
three third | tres tercera tercero
four fourth | cuatro cuarta cuarto
five | cinco
six | seis
seven | siete
eight | ocho
nine | nueve
ten | diez
twenty | veinte
thirty | treinta
half | medio media
before | antes
after | despues
during | durante
long length | largo larga durar dura duracion
short | corto corta
instead | lugar vez
how many | cuantos cuantas
often | frecuencia menudo
replace change | cambiar cambio sustituir
sign signs symptom symptoms | senal senales sintoma sintomas
body | cuerpo
heart | corazon
stress | estres
goal | objetivo meta
health | salud
diet | dieta
age | edad
""".strip()

_WORDS_SKIPPED = frozenset("how many".split())


def _normal(word: str) -> str:
    from knowledge.lexical import fold, stem

    word = fold(word)
    return stem(word) if word else word


@cache
def _tables() -> dict[str, dict[str, frozenset[str]]]:
    english: dict[str, set[str]] = {}
    spanish: dict[str, set[str]] = {}
    for line in PAIRS.splitlines():
        if "|" not in line:
            continue
        left, right = line.split("|", 1)
        en_words = {_normal(w) for w in left.replace("-", " ").split() if w not in _WORDS_SKIPPED}
        es_words = {_normal(w) for w in right.replace("-", " ").split()}
        for word in en_words:
            english.setdefault(word, set()).update(es_words)
        for word in es_words:
            spanish.setdefault(word, set()).update(en_words)
    return {
        "en": {word: frozenset(found) for word, found in english.items()},
        "es": {word: frozenset(found) for word, found in spanish.items()},
    }


def _lookup(table: dict[str, frozenset[str]], word: str) -> frozenset[str]:
    found = table.get(word)
    if found is None and len(word) > 3 and word.endswith("s"):  # short plurals the stemmer keeps
        found = table.get(word[:-1])
    return found or frozenset()


def translations(words: list[str] | set[str]) -> set[str]:
    """The other-language counterparts of these (folded, stemmed) words, both directions, minus the
    words themselves (a cognate such as "alcohol" adds only its other counterparts)."""
    tables = _tables()
    given = set(words)
    found: set[str] = set()
    for word in given:
        found |= _lookup(tables["en"], word) | _lookup(tables["es"], word)
    return found - given


def translated_terms(text: str) -> list[str]:
    """The other-language counterparts of a question's content words (its interrogative phrases
    left out), as lexical tokens, sorted."""
    from knowledge.lexical import tokens

    return sorted(translations(tokens(INTERROGATIVE.sub(" ", text))))


@cache
def _first_counterparts() -> dict[str, dict[str, str]]:
    """For each word, its first-listed counterpart in the other language (for glosses)."""
    english: dict[str, str] = {}
    spanish: dict[str, str] = {}
    for line in PAIRS.splitlines():
        if "|" not in line:
            continue
        left, right = line.split("|", 1)
        en_words = [_normal(w) for w in left.replace("-", " ").split() if w not in _WORDS_SKIPPED]
        es_words = [_normal(w) for w in right.replace("-", " ").split()]
        if not en_words or not es_words:
            continue
        for word in en_words:
            english.setdefault(word, es_words[0])
        for word in es_words:
            spanish.setdefault(word, en_words[0])
    return {"en": english, "es": spanish}


def gloss(text: str, source_language: str) -> str:
    """The text with each word the lexicon knows replaced by its counterpart in the other language
    (word for word, interrogatives and unknown words kept): a rough bridge for the embedding model."""
    from knowledge.lexical import STOPWORDS, TOKEN, fold

    table = _first_counterparts()[source_language]
    out = []
    for word in TOKEN.findall(fold(text)):
        normal = _normal(word)
        if word in STOPWORDS or word[0].isdigit():
            out.append(word)
            continue
        out.append(table.get(normal) or (table.get(normal[:-1]) if normal.endswith("s") else None) or word)
    return " ".join(out)
