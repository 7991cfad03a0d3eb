"""Cross-modal linking: which caption mentions are seen in which detected boxes.

A mention grounds in a region when the mention's lemma names the region's label or one of its
kinds (man, woman, astronaut -> person; puppy -> dog; racket -> tennis racket ...). A mention
with a count ("two horses") may ground in that many regions; otherwise in the best one.
Regions are taken best score first; within one caption a region serves one mention.
"""

from __future__ import annotations

from typing import Sequence

from pipeline.core.columns import Grounding
from pipeline.text.types import SceneGraph
from pipeline.vision.types import Box

# Label -> words a caption may use for it (besides the label itself and its last word).
LABEL_WORDS: dict[str, tuple[str, ...]] = {
    "person": (
        "person", "people", "man", "woman", "boy", "girl", "child", "kid", "baby", "lady", "guy",
        "gentleman", "adult", "teenager", "toddler", "player", "rider", "skier", "surfer", "skateboarder",
        "snowboarder", "astronaut", "worker", "chef", "cook", "officer", "policeman", "soldier", "pilot",
        "student", "teacher", "doctor", "nurse", "bride", "groom", "tourist", "pedestrian", "crowd",
        "spectator", "athlete", "batter", "catcher", "pitcher", "umpire", "biker", "cyclist", "farmer",
        "fisherman", "vendor", "driver", "passenger", "mother", "father", "son", "daughter", "friend",
        "couple", "family", "scientist", "engineer", "cosmonaut", "human", "individual", "someone",
    ),
    "bicycle": ("bicycle", "bike", "cycle"),
    "car": ("car", "automobile", "vehicle", "taxi", "cab", "sedan", "suv", "jeep"),
    "motorcycle": ("motorcycle", "motorbike", "scooter", "moped", "bike"),
    "airplane": ("airplane", "plane", "aeroplane", "jet", "aircraft", "airliner"),
    "bus": ("bus", "coach"),
    "train": ("train", "locomotive", "tram"),
    "truck": ("truck", "lorry", "pickup", "van"),
    "boat": ("boat", "ship", "sailboat", "yacht", "canoe", "kayak", "ferry"),
    "dog": ("dog", "puppy", "pup", "hound"),
    "cat": ("cat", "kitten", "kitty", "tabby"),
    "horse": ("horse", "pony", "foal", "mare", "stallion"),
    "cow": ("cow", "cattle", "calf", "bull", "ox"),
    "sheep": ("sheep", "lamb", "ram"),
    "cup": ("cup", "mug", "coffee", "teacup"),
    "dining table": ("table", "dining table", "desk"),
    "cell phone": ("phone", "cell phone", "cellphone", "smartphone", "mobile"),
    "tv": ("tv", "television", "monitor", "screen"),
    "couch": ("couch", "sofa"),
    "potted plant": ("plant", "potted plant", "houseplant"),
    "laptop": ("laptop", "computer", "notebook"),
    "sports ball": ("ball", "football", "soccer ball", "baseball", "basketball", "tennis ball"),
    "donut": ("donut", "doughnut"),
    "bird": ("bird", "pigeon", "seagull", "gull", "duck", "parrot", "eagle"),
}


def words_for_label(label: str) -> set[str]:
    """Lemmas that may name a region of `label`."""
    words = {label, label.split()[-1]} | set(LABEL_WORDS.get(label, ()))
    return {w.lower() for w in words}


def ground(graphs: Sequence[SceneGraph], regions: Sequence[Box], min_score: float = 0.0) -> list[Grounding]:
    """Groundings of the concept mentions of `graphs` (captions of one image) in `regions`."""
    order = sorted(range(len(regions)), key=lambda i: (-regions[i].score, i))
    vocab = [words_for_label(r.label) for r in regions]
    out: list[Grounding] = []
    for ci, g in enumerate(graphs):
        used: set[int] = set()
        for m in g.mentions:
            if m.label != "concept" and m.label != "PERSON":
                continue
            lemma = m.lemma.lower()
            head = lemma.split()[-1] if lemma else lemma
            want = max(1, m.count or 1)
            for ri in order:
                if len([x for x in out if x.caption == ci and x.mention == m.index]) >= want:
                    break
                if ri in used or regions[ri].score < min_score:
                    continue
                if lemma in vocab[ri] or head in vocab[ri] or (m.label == "PERSON" and regions[ri].label == "person"):
                    used.add(ri)
                    out.append(Grounding(ci, m.index, ri, round(float(regions[ri].score), 4)))
    return out
