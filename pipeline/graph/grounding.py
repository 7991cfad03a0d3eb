"""Cross-modal linking: which caption mentions are seen in which regions of the same image.

A mention grounds in a region when the mention's lemma names the region's label or one of its
kinds (man, woman, astronaut -> person; puppy -> dog; racket -> tennis racket ...). A mention
with a count ("two horses") may ground in that many regions; otherwise in the best one.
Regions are taken best score first; within one caption a region serves one mention.

Text read from the image (a caption with `spans`) is grounded where it was read: a mention
inside a span grounds in that span's region, and only there.
"""

from __future__ import annotations

from typing import Sequence

from pipeline.graph.records import Caption, Grounding, Mention, Region

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


def ground(captions: Sequence[Caption], mentions: Sequence[Mention], regions: Sequence[Region],
           min_score: float = 0.0) -> list[Grounding]:
    """Groundings of the mentions of one image's captions in that image's regions (by id)."""
    order = sorted(range(len(regions)), key=lambda i: (-regions[i].score, i))
    vocab = [words_for_label(r.label) for r in regions]
    by_id = {r.region_id: r for r in regions}
    spans = {c.caption_id: c.spans for c in captions if c.spans}
    per_caption: dict[str, list[Mention]] = {}
    for m in mentions:
        per_caption.setdefault(m.caption_id, []).append(m)
    out: list[Grounding] = []
    for cid, ms in per_caption.items():
        if cid in spans:
            out.extend(_ground_in_spans(ms, spans[cid], by_id, min_score))
            continue
        used: set[int] = set()
        for m in ms:
            if m.type != "concept" and m.type != "PERSON":
                continue
            lemma = m.name.lower()
            head = lemma.split()[-1] if lemma else lemma
            want = max(1, m.count or 1)
            got = 0
            for ri in order:
                if got >= want:
                    break
                if ri in used or regions[ri].score < min_score:
                    continue
                if lemma in vocab[ri] or head in vocab[ri] or (m.type == "PERSON" and regions[ri].label == "person"):
                    used.add(ri)
                    got += 1
                    out.append(Grounding(m.mention_id, regions[ri].region_id, round(float(regions[ri].score), 4)))
    return out


def _ground_in_spans(mentions: Sequence[Mention], spans, regions: dict[str, Region], min_score: float) -> list[Grounding]:
    out = []
    for m in mentions:
        for s in spans:
            r = regions.get(s.region_id)
            if r is not None and r.score >= min_score and s.start <= m.start and m.end <= s.end:
                out.append(Grounding(m.mention_id, r.region_id, round(float(r.score), 4)))
    return out
