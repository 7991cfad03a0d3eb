"""Small general word lists used by the caption extractor (no spaCy imports)."""

from __future__ import annotations

COLOURS: frozenset[str] = frozenset(
    """
    white black red blue green yellow orange purple pink brown grey gray silver gold golden
    beige tan maroon navy teal turquoise violet ivory khaki lavender magenta cyan
    blond blonde brunette auburn bronze copper crimson aqua
    chartreuse burgundy mauve lilac fuchsia scarlet indigo offwhite
    multicolored multicoloured colorful colourful
    """.split()
)

#: Shade words merged with a following colour ("dark green", "light brown").
SHADES: frozenset[str] = frozenset("dark light pale deep neon pastel dull".split())

#: Degree adverbs kept inside an attribute ("partly cloudy").
DEGREE_ADVERBS: frozenset[str] = frozenset("partly partially mostly half fully".split())

MATERIALS: frozenset[str] = frozenset(
    """
    metal wood wooden stone brick glass plastic leather concrete steel iron paper cloth
    cotton wool woolen silk rubber ceramic marble asphalt wire straw wicker tile granite
    cement aluminum aluminium brass denim canvas porcelain bamboo stainless chrome foam
    cardboard plaster fur lace velvet vinyl tin clay chain mesh wrought cobblestone dirt sand
    gravel
    """.split()
)

#: Two-word materials said of the noun as one attribute ("a chain link fence": fence, chain link).
MATERIAL_PHRASES: frozenset[str] = frozenset({"chain link"})

#: Adjectives that are determiners in disguise; never attributes.
NON_ATTRIBUTE_ADJECTIVES: frozenset[str] = frozenset(
    """
    other another same such similar many several few more most much own certain
    only else each every both either neither additional
    various different
    """.split()
)

#: Position words before a noun name which part or level it is ("the upper deck", "the bottom
#: bunk"), not a property of it: no attribute.
POSITION_ADJECTIVES: frozenset[str] = frozenset("upper lower top bottom".split())

#: "a bunch of birds", "an amount of hay", "a view of a street" -> the entity is what follows "of".
QUANTIFIER_NOUNS: frozenset[str] = frozenset(
    """
    bunch group pair couple lot lots alot number herd flock row stack pile set bank bit bits
    cluster handful variety collection plenty series array assortment dozen dozens crowd
    amount clump heap mound bundle batch swarm pack gang kind sort type
    view closeup close-up
    """.split()
)

#: "a man with dark hair" -> ( man , have , hair ) rather than "with".
HAIR: frozenset[str] = frozenset("hair beard mustache moustache".split())

#: Portion nouns: "a slice of pizza" -> the entity is "pizza", with attribute "slice".
PORTION_NOUNS: frozenset[str] = frozenset(
    """
    piece pieces slice slices chunk chunks scoop scoops sheet sheets patch patches strip strips
    bale bales loaf loaves wedge wedges sliver portion portions bar bars part parts half halves
    """.split()
)

#: Collective nouns FACTUAL keeps as an attribute of the members ("group of people").
QUANTIFIER_ATTRIBUTES: dict[str, str] = {"group": "group of", "crowd": "crowd"}

#: People and animals: who wears, holds and stands ("a girl in a dress sitting on a bench").
ANIMATE: frozenset[str] = frozenset(
    """
    man men woman women person people boy boys girl girls child children kid kids guy guys lady
    ladies gentleman baby toddler player players skier skiers surfer surfers skateboarder
    snowboarder rider riders biker bikers cyclist batter catcher pitcher umpire referee fan fans
    crowd spectators spectator tourist tourists chef cook waiter waitress vendor worker workers
    officer policeman soldier soldiers student students teacher driver passenger passengers
    pedestrian pedestrians couple family friends friend mother father mom dad son daughter
    brother sister teenager teen adult adults individual someone somebody anyone everyone
    dog dogs puppy cat cats kitten horse horses cow cows bull sheep lamb goat goats pig elephant
    elephants giraffe giraffes zebra zebras bear bears bird birds duck ducks goose geese swan
    pigeon seagull gull animal animals deer monkey lion tiger calf foal pony donkey camel
    owner owners fisherman fishermen swimmer swimmers athlete athletes coach goalie golfer runner
    jogger hiker climber kayaker paddler boarder rower sailor pilot jockey cowboy cowgirl farmer
    shepherd herder handler instructor doctor nurse police cop guard fireman firefighter
    musician guitarist drummer singer dancer performer actor actress artist photographer clown
    bride groom wife husband grandmother grandfather grandma grandpa aunt uncle infant youngster
    shopper customer visitor traveler traveller businessman businesswoman salesman seller merchant
    cashier clerk baker butcher fielder outfielder infielder shortstop baseman quarterback wrestler
    boxer skater rollerblader member members team crew audience dude dudes
    cattle calves ox oxen buffalo bison moose rhino hippo kangaroo squirrel rabbit bunny fox wolf
    cub chicken hen rooster parrot owl eagle hawk crow sparrow penguin flamingo heron egret pelican
    ostrich peacock dolphin whale shark turtle frog lizard snake butterfly stallion mare colt
    puppies kittens llama alpaca panda gorilla leopard cheetah
    """.split()
)

#: "man in a white shirt" -> ( man , wear , shirt ).
CLOTHING: frozenset[str] = frozenset(
    """
    shirt t-shirt tshirt tee jacket coat dress skirt pants trousers jeans shorts suit uniform
    sweater hoodie sweatshirt vest blouse top tank hat cap helmet beanie glasses sunglasses
    goggles scarf tie gloves glove boots shoes sneakers sandals socks costume outfit wetsuit
    jersey apron robe gown bikini swimsuit overalls hat visor clothes clothing attire gear
    raincoat onesie parka poncho kimono tuxedo leggings pajamas cardigan blazer bandana headband
    mask backpack necklace bracelet watch earrings eyeglasses trainers sweatpants tights coveralls
    bathrobe headscarf turban beret fedora sombrero bonnet mittens slippers heels loafers
    """.split()
)

#: "a body of water", "a cloud of smoke", "a trail of footprints", "a statue of a man": the
#: noun before "of" is an extent, a form or an image of what follows, not a part it has
#: (no ( water , have , body )).
EXTENT_NOUNS: frozenset[str] = frozenset(
    """
    body bodies cloud clouds puff trail trails stand field fields bouquet bouquets
    sequence expanse stretch splash pool puddle stream streams shape shapes shade
    shades reflection reflections statue statues sculpture figurine replica
    model design designs pattern patterns
    area areas layer layers remains section sections forest forests thicket thickets grove groves
    """.split()
)

#: Garment words that are also vessels ("wine in the glasses").
DRINKWARE: frozenset[str] = frozenset("glasses glass cup cups".split())

#: "a plate of food" -> ( food , on , plate ); "glasses of wine" -> ( wine , in , glasses ).
CONTAINERS_ON: frozenset[str] = frozenset("plate tray platter dish board".split())
CONTAINERS_IN: frozenset[str] = frozenset(
    """
    glass cup bowl box bottle basket bag jar bucket mug pot can carton vase pitcher crate
    container bin pan jug glasses picture photo photograph image painting drawing
    """.split()
)

#: Nouns that make a multi-word preposition "P N of" ("in front of", "on top of").
PART_NOUNS: frozenset[str] = frozenset(
    """
    front top side back middle edge corner bottom center centre end left right rear base
    inside outside surface tip
    """.split()
)

#: The preposition FACTUAL uses with some part nouns regardless of the one written.
PART_PREPOSITION: dict[str, str] = {
    "front": "in", "top": "on", "side": "on", "back": "on", "end": "in", "corner": "in", "middle": "on",
}
#: ... except these written ones, kept ("in the back of a truck" -> in back of; "a logo on the front" -> on front of).
PART_PREPOSITION_KEPT: dict[str, frozenset[str]] = {"back": frozenset({"in"}), "front": frozenset({"on"})}

#: "to the left of", "on the left side of" -> FACTUAL's wording.
SIDE_PREPOSITION: dict[str, str] = {"left": "at the left of", "right": "on the right side of"}

#: "-ed" adjectives that take the words before them: "dark colored", "heart shaped",
#: "blonde haired" (the hair becomes an entity).
#: Those of them that name a part, with the length of the part's name in the word.
PART_ADJECTIVES: dict[str, int] = {
    "haired": 4, "faced": 4, "eyed": 3, "legged": 3, "sleeved": 6, "tailed": 4, "roofed": 4, "bearded": 5,
}
DERIVED_ADJECTIVES: frozenset[str] = frozenset("colored coloured shaped".split()) | frozenset(PART_ADJECTIVES)

#: Times of day and events: "on a sunny morning", "during a match" say when, not where.
TIME_NOUNS: frozenset[str] = frozenset(
    "day days morning afternoon evening night nighttime daytime sunset sunrise dusk dawn summer winter spring autumn fall time".split()
)

#: Canonical spelling of single prepositions ("underneath" -> "under").
PREPOSITION_CANON: dict[str, str] = {
    "underneath": "under", "beneath": "under", "atop": "on top of", "upon": "on",
    "inside of": "inside", "outside of": "outside", "in between": "between",
    "toward": "towards",
}

#: Adjectives/adverbs heading a multi-word preposition ("next to", "close to", "out of").
PREP_HEADS: frozenset[str] = frozenset(
    "next close closer closest adjacent near nearer nearest ahead out away due prior full inside outside".split()
)
#: Degrees of those said in their plain form ("the horse closest to the camera" -> close to).
PREP_HEAD_CANON: dict[str, str] = {"closer": "close", "closest": "close", "nearer": "near", "nearest": "near"}

#: Objects of a preposition on an adjective that just restate a property ("white in color").
PROPERTY_NOUNS: frozenset[str] = frozenset("color colour shape size appearance".split())

#: Written numbers -> int.
NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12,
    "both": 2, "pair": 2,
}

#: spaCy NER labels that name an entity (others, like CARDINAL or DATE, do not).
ENTITY_LABELS: frozenset[str] = frozenset(
    "PERSON NORP FAC ORG GPE LOC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE".split()
)

#: Pronouns that refer back to an animate subject ("his shoulder").
ANIMATE_PRONOUNS: frozenset[str] = frozenset("he him his she her hers they them their theirs".split())
#: Pronouns resolved to the nearest earlier mention ("flowers in it").
THING_PRONOUNS: frozenset[str] = frozenset("it its itself".split())
#: Pronouns that point back at a thing: THING_PRONOUNS and "them".
THING_REFERENCES: frozenset[str] = THING_PRONOUNS | {"them"}
#: Possessive determiners whose owner is resolved like a pronoun ("on his head").
POSSESSIVE_PRONOUNS: frozenset[str] = frozenset("his her their its".split())
#: Relative pronouns resolved to the noun their clause modifies.
RELATIVE_PRONOUNS: frozenset[str] = frozenset("who whom which that whose where".split())

#: Position adjectives kept inside the entity name ("left hand", "front legs").
POSITION_WORDS: frozenset[str] = frozenset("left right front back rear".split())

#: Position words always kept in a thing's name ("left hand"); the others of POSITION_WORDS only
#: for a part named with its owner ("the front legs of a horse", mentions.named_side).
SIDE_WORDS: frozenset[str] = frozenset(("left", "right"))
#: Things named with "front" / "back" whatever follows ("the front door"; mentions.named_side).
POSITION_NAMES: frozenset[str] = frozenset(
    {"front door", "back door", "front yard", "back yard", "front seat", "back seat", "front porch", "back porch"}
)

#: Suffixes of adjectives spaCy often tags as compound nouns ("shirtless man").
ADJECTIVE_SUFFIXES: tuple[str, ...] = ("less", "ful", "ish", "ous")

#: Attribute spellings FACTUAL-style graphs use for material nouns ("wood table" -> wooden).
ATTRIBUTE_CANON: dict[str, str] = {"wood": "wooden"}

#: "-ing" words that are nouns in captions ("metal railing", "awning"), not verbs.
ING_NOUNS: frozenset[str] = frozenset(
    """
    building railing awning ceiling clothing painting frosting icing topping siding opening
    wedding stuffing morning evening landing crossing bedding lighting seating fencing housing
    flooring paneling panelling carving drawing sibling pudding dumpling filling shelving
    tiling trimming framing molding moulding netting piping plumbing roofing scaffolding
    shading wiring sewing writing lettering marking markings icing dressing stocking leggings
    earring earrings stockings clothing ring king wing string swing spring sling thing
    """.split()
)

#: Adverbs that say where something is ("standing outside" -> ( x , is , outside )).
#: Prepositions of purpose between two nouns ("a fence for protection"): not a scene relation.
PURPOSE_PREPOSITIONS: frozenset[str] = frozenset({"for"})

#: "the man on the left", "a boat in the distance": a bare place noun after a preposition is
#: where the thing is in the picture, said as one attribute ("on the left").
PICTURE_PLACES: dict[str, str] = {
    "left": "on the left", "right": "on the right", "middle": "in the middle",
    "center": "in the center", "centre": "in the center", "distance": "in the distance",
}
LOCATIVE_ADVERBS: frozenset[str] = frozenset("outside inside outdoors indoors upstairs downstairs underwater".split())

#: Participles said of the head noun even after a "with" phrase ("a car with a surfboard parked on the street").
HOLDER_PARTICIPLES: frozenset[str] = frozenset("seat dress park position locate situate".split())

#: Body parts: "man with a hat on his head" keeps ( hat , on , head ).
BODY_PARTS: frozenset[str] = frozenset(
    """
    head hand arm shoulder back face neck lap mouth foot leg ear nose wrist finger chest hip
    knee waist lip tongue paw hoof trunk tail body hair beard mustache moustache eye eyes
    teeth tooth beak wing feathers fur mane horn horns fingers toes thumb elbow ankle forehead
    cheek chin eyebrow eyebrows
    """.split()
)

#: Characters of quote marks around written text ("a sign that says `` stop ''").
QUOTE_CHARS: frozenset[str] = frozenset("`'\"")
#: Nouns that name written text; quoted text right after one is that text ("the word `` stop ''").
TEXT_NOUNS: frozenset[str] = frozenset("word words letter letters number numbers name title text writing logo".split())
#: The name of quoted text on a thing ("a `` no parking '' sign" -> ( words , on , sign )): the mention's
#: text is the quoted span, its name (lemma, and what FACTUAL writes) this word.
QUOTED_TEXT_NAME = "words"
#: Verbs that say what a thing has written on it ("a sign that says `` stop ''").
SAYING_VERBS: frozenset[str] = frozenset("say read spell display show".split())
#: Head nouns that are never things in a picture ("all the way across", "to the right").
NON_ENTITY_NOUNS: frozenset[str] = frozenset("way right".split())
#: Nouns whose compound "head" is only their text ("the word stop", "the brand kia"): the entity is the word.
LABEL_NOUNS: frozenset[str] = frozenset("word words brand".split())
#: Plain words for people; a noun compounded onto one only describes the person ("tennis guy").
GENERIC_PEOPLE: frozenset[str] = frozenset("guy guys dude dudes person people man men woman women girl girls boy boys lady ladies kid kids".split())
#: Nouns a following numeral names rather than counts ("the number 42", "bus number 6010").
LABEL_NUMBER_NOUNS: frozenset[str] = frozenset("number no".split())
#: Two words FACTUAL-style graphs write as one ("a wet suit" is a wetsuit, not a wet suit): "modifier head-lemma" -> name.
CLOSED_COMPOUNDS: dict[str, str] = {"wet suit": "wetsuit", "sweat shirt": "sweatshirt", "rain coat": "raincoat"}
#: Adjective + noun pairs that name one kind of thing ("hot dog" is no dog that is hot).
ADJECTIVE_NAMES: frozenset[str] = frozenset(
    {"hot dog", "french fry", "french toast", "polar bear", "top hat", "high chair", "light pole", "light post", "light bulb"}
)
#: Parts of things a compound noun before them owns ("car window", "shirt sleeves", "computer
#: screen" -> ( car , have , window )); a kind of part ("garage door") is caught by the joined word.
THING_PARTS: frozenset[str] = frozenset(
    """
    window windows door doors screen screens sleeve sleeves collar collars balcony balconies wheel wheels
    tire tires tyre tyres handle handles windshield bumper bumpers roof roofs branch branches pocket pockets
    """.split()
)
#: Compound owners that name a kind of the part, not its owner ("garage door", "screen door").
KIND_COMPOUNDS: frozenset[str] = frozenset("garage barn screen storm trap french sliding revolving display shop store".split())

#: Nouns for an image of a thing made in some material: FACTUAL names the thing and says what it
#: is ("an elephant statue", "a statue of a man" -> ( elephant , is , statue ), ( man , is , statue )).
REPRESENTATION_NOUNS: frozenset[str] = frozenset("statue figurine sculpture carving replica".split())

#: Markings: what a noun before one names is what it shows or says, not a kind of marking
#: ("a stop sign", "the starbucks logo", "a batman symbol" -> ( sign , is , stop ), ( logo , is , starbucks )).
MARKING_NOUNS: frozenset[str] = frozenset(
    "sign logo symbol emblem ad advertisement poster banner sticker decal label billboard design print tattoo graphic".split()
)
#: Nouns before a marking that say where it stands, making a kind of marking ("street sign", "road sign").
MARKING_PLACES: frozenset[str] = frozenset("street road highway traffic".split())
