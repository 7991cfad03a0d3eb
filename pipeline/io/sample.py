"""A small, freely licensed image-text corpus built from photos bundled with scikit-image and
scikit-learn (no download needed), plus a larger derived benchmark corpus.

Both writers produce Parquet files that follow schemas/corpus.json: `id`, `image` (bytes) or
`image_path` (relative to the Parquet file's folder), `text` (one caption), `captions`
(list<string>), `license` and `source`. Output is byte-identical for identical arguments.
skimage, sklearn and Pillow are imported only inside the functions.
"""

from __future__ import annotations

import hashlib
import importlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pyarrow as pa
    from PIL import Image


@dataclass(frozen=True)
class SampleImage:
    """One bundled photo: corpus id, loader ("module.func" or "module.func:arg"), license and
    attribution, and 1-3 alt-text captions written from looking at the image."""

    id: str
    loader: str
    license: str
    captions: tuple[str, ...]


_CC0 = "CC0 1.0 (https://creativecommons.org/publicdomain/zero/1.0/)"
_CC_BY_2 = "CC BY 2.0 (https://creativecommons.org/licenses/by/2.0/)"

SAMPLE_IMAGES: tuple[SampleImage, ...] = (
    SampleImage(
        "skimage-astronaut",
        "skimage.data.astronaut",
        "Public domain: NASA portrait of astronaut Eileen Collins, no known copyright restrictions "
        "(https://flic.kr/p/r9qvLn); via scikit-image",
        (
            "an astronaut in an orange spacesuit smiling in front of an american flag",
            "a woman with short brown hair wearing an orange flight suit with a round mission patch and holding a black helmet",
            "a white model of a space shuttle standing on a dark table behind the astronaut",
        ),
    ),
    SampleImage(
        "skimage-camera",
        "skimage.data.camera",
        f"{_CC0}: photographer Lav Varshney; via scikit-image",
        (
            "a black and white photo of a man in a dark coat looking through a camera on a tripod",
            "a photographer standing on a wide grass field with domed buildings and a tall tower in the background",
        ),
    ),
    SampleImage(
        "skimage-chelsea",
        "skimage.data.chelsea",
        f"{_CC0}: photographer Stefan van der Walt; via scikit-image",
        (
            "a close-up of a tabby cat with green eyes and long white whiskers",
            "the striped face of a brown cat with a pink nose in front of a blurred white background",
        ),
    ),
    SampleImage(
        "skimage-clock",
        "skimage.data.clock",
        "Public domain: released by the photographer Stefan van der Walt; via scikit-image",
        (
            "a motion-blurred black and white photo of a round clock on a gray wall",
            "a white wall clock smeared sideways by camera motion",
        ),
    ),
    SampleImage(
        "skimage-coffee",
        "skimage.data.coffee",
        f"{_CC0}: photographer Rachel Michetti, courtesy of Pikolo Espresso Bar; via scikit-image",
        (
            "a cup of espresso on a red saucer with a silver spoon on a wooden table",
            "a red ceramic cup with a white inside holding coffee with light brown crema",
        ),
    ),
    SampleImage(
        "skimage-coins",
        "skimage.data.coins",
        "No known copyright restrictions: Greek coins from Pompeii, Brooklyn Museum Collection "
        "(https://www.brooklynmuseum.org/opencollection/archives/image/51611); via scikit-image",
        (
            "a black and white photo of ancient greek coins arranged in four rows on a dark background",
            "silver coins with embossed heads and standing figures laid out in a grid",
        ),
    ),
    SampleImage(
        "skimage-rocket",
        "skimage.data.rocket",
        "Public domain: SpaceX photo of the DSCOVR launch on Falcon 9 "
        "(https://www.flickr.com/photos/spacexphotos/16511594820/); via scikit-image",
        (
            "a white rocket standing on a launch pad between four steel lattice towers at dusk",
            "bright lamps glowing at the base of a tall rocket under a deep blue sky",
        ),
    ),
    SampleImage(
        "skimage-hubble-deep-field",
        "skimage.data.hubble_deep_field",
        "Public domain: NASA Hubble eXtreme Deep Field "
        "(http://hubblesite.org/newscenter/archive/releases/2012/37/image/a/); via scikit-image",
        (
            "thousands of colorful galaxies scattered across a black sky in a deep space telescope image",
            "small spiral and elliptical galaxies in red, orange, white and blue against a dark background",
        ),
    ),
    SampleImage(
        "skimage-brick",
        "skimage.data.brick",
        f"{_CC0}: CC0Textures Bricks25 (https://cc0textures.com/view.php?tex=Bricks25), "
        "perspective-corrected and cropped by scikit-image",
        (
            "a black and white photo of a brick wall seen at a slight angle",
            "long rows of rectangular bricks separated by light mortar lines",
        ),
    ),
    SampleImage(
        "skimage-grass",
        "skimage.data.grass",
        f"{_CC0}: linolafett on DeviantArt (https://www.deviantart.com/linolafett/art/Grass-01-434853879), "
        "cropped and converted to grayscale by scikit-image",
        (
            "a black and white close-up of dense grass with small clover leaves",
            "thin blades of grass and fallen leaves covering the ground",
        ),
    ),
    SampleImage(
        "skimage-gravel",
        "skimage.data.gravel",
        f"{_CC0}: CC0Textures Gravel04 (https://cc0textures.com/view.php?tex=Gravel04), "
        "cropped and converted to grayscale by scikit-image",
        (
            "a black and white close-up of small angular gravel stones",
            "many gray crushed rocks with sharp edges covering the ground",
        ),
    ),
    SampleImage(
        "skimage-retina",
        "skimage.data.retina",
        f"{_CC0}: Mikael Häggström, Wikimedia Commons "
        "(https://commons.wikimedia.org/wiki/File:Fundus_photograph_of_normal_left_eye.jpg); via scikit-image",
        (
            "a fundus photograph of a human retina with red blood vessels branching from a bright optic disc",
            "an orange circular image of the back of an eye on a black background with a dark spot in the center",
        ),
    ),
    SampleImage(
        "skimage-immunohistochemistry",
        "skimage.data.immunohistochemistry",
        "No known copyright restrictions: Center for Microscopy And Molecular Imaging (CMMI); via scikit-image",
        (
            "a microscope image of colon tissue with glands stained brown and cell nuclei stained blue",
            "rows of brown columnar cells lining glands surrounded by pale connective tissue",
        ),
    ),
    SampleImage(
        "sklearn-china",
        "sklearn.datasets.load_sample_image:china.jpg",
        f"{_CC_BY_2}: danielbuechele on Flickr "
        "(https://www.flickr.com/photos/danielbuechele/6061409035/); via scikit-learn",
        (
            "a red chinese pagoda with green and orange tiled roofs above a lake",
            "a tall temple tower surrounded by green trees overlooking a lake with a small island under a hazy sky",
        ),
    ),
    SampleImage(
        "sklearn-flower",
        "sklearn.datasets.load_sample_image:flower.jpg",
        f"{_CC_BY_2}: vultilion on Flickr "
        "(https://www.flickr.com/photos/vultilion/6056698931/); via scikit-learn",
        (
            "an orange dahlia flower with rounded petals in front of dark green leaves",
            "a round pale orange dahlia blossom with a second flower below it against a blurred green background",
        ),
    ),
)

_JPEG_QUALITY = 90
_PNG_COMPRESS_LEVEL = 6
_COLUMNS = ("id", "image", "text", "captions", "license", "source")


# --------------------------------------------------------------------------------------------
# loading and encoding


def load_sample_array(sample: SampleImage) -> "np.ndarray":
    """The photo of `sample` as a uint8 array, HxW (grayscale) or HxWx3 (RGB), from the
    installed scikit-image / scikit-learn packages (no network)."""
    import numpy as np

    target, _, arg = sample.loader.partition(":")
    module_name, _, func_name = target.rpartition(".")
    func = getattr(importlib.import_module(module_name), func_name)
    arr = np.asarray(func(arg) if arg else func())
    if arr.dtype != np.uint8:
        raise ValueError(f"{sample.loader}: expected uint8 pixels, got {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[:, :, :3]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3):
        raise ValueError(f"{sample.loader}: unexpected image shape {arr.shape}")
    return np.ascontiguousarray(arr)


def _encode(img: "Image.Image", lossless_gray: bool) -> tuple[bytes, str]:
    """(encoded bytes, file extension): JPEG q90 4:2:0 for RGB; PNG for grayscale when
    `lossless_gray`, else grayscale JPEG. Fixed settings, no metadata."""
    buf = io.BytesIO()
    if img.mode == "L" and lossless_gray:
        img.save(buf, format="PNG", compress_level=_PNG_COMPRESS_LEVEL, optimize=False)
        return buf.getvalue(), "png"
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
    kw = {"subsampling": "4:2:0"} if img.mode == "RGB" else {}
    img.save(buf, format="JPEG", quality=_JPEG_QUALITY, optimize=False, progressive=False, **kw)
    return buf.getvalue(), "jpg"


# --------------------------------------------------------------------------------------------
# writing


def _parquet_path(out: str | Path, default_name: str) -> Path:
    """`out` if it names a .parquet file, else `out/<default_name>`; parent folder created."""
    p = Path(out)
    if p.suffix.lower() != ".parquet" or p.is_dir():
        p = p / default_name
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def _schema(fmt: str) -> "pa.Schema":
    import pyarrow as pa

    image_field = pa.field("image", pa.binary()) if fmt == "bytes" else pa.field("image_path", pa.string())
    return pa.schema(
        [
            pa.field("id", pa.string()),
            image_field,
            pa.field("text", pa.string()),
            pa.field("captions", pa.list_(pa.string())),
            pa.field("license", pa.string()),
            pa.field("source", pa.string()),
        ]
    )


def _check_fmt(fmt: str) -> None:
    if fmt not in ("bytes", "path"):
        raise ValueError(f"fmt must be 'bytes' or 'path', got {fmt!r}")


def _write_parquet(path: Path, fmt: str, rows: Iterable[dict], row_group_rows: int) -> Path:
    """Write `rows` (dicts with the corpus columns) to `path`, `row_group_rows` per row group,
    with fixed writer settings so equal input gives equal bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(fmt)
    stats_cols = [n for n in schema.names if n != "image"]  # no min/max of image bytes
    tmp = path.with_name(path.name + ".tmp")
    with pq.ParquetWriter(
        tmp, schema, compression="zstd", compression_level=3, write_statistics=stats_cols, use_dictionary=False
    ) as writer:
        batch: list[dict] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= row_group_rows:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema), row_group_size=row_group_rows)
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema), row_group_size=row_group_rows)
    tmp.replace(path)
    return path


def _row(rid: str, data: bytes, ext: str, text: str, captions: list[str], license: str, source: str,
         fmt: str, root: Path) -> dict:
    """One corpus row; in path mode the image goes to `root/images/<id>.<ext>`."""
    row: dict = {"id": rid, "text": text, "captions": captions, "license": license, "source": source}
    if fmt == "bytes":
        row["image"] = data
    else:
        rel = f"images/{rid}.{ext}"
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        row["image_path"] = rel
    return row


def write_sample_corpus(out: str | Path, fmt: str = "bytes") -> Path:
    """Write SAMPLE_IMAGES as one Parquet corpus (one row per photo) and return its path.

    `out`: a *.parquet path, or a folder (then `out/sample.parquet`). `fmt="bytes"` stores
    each photo in `image` (RGB: JPEG q90; grayscale: PNG); `fmt="path"` writes the files to
    `<parquet folder>/images/<id>.<jpg|png>` and stores that relative path in `image_path`.
    `text` holds the first caption, `captions` all of them.
    """
    from PIL import Image

    _check_fmt(fmt)
    path = _parquet_path(out, "sample.parquet")

    def rows() -> Iterable[dict]:
        for s in SAMPLE_IMAGES:
            data, ext = _encode(Image.fromarray(load_sample_array(s)), lossless_gray=True)
            yield _row(s.id, data, ext, s.captions[0], list(s.captions), s.license, s.loader, fmt, path.parent)

    return _write_parquet(path, fmt, rows(), row_group_rows=len(SAMPLE_IMAGES))


def write_bench_corpus(
    out: str | Path,
    n: int = 1000,
    seed: int = 0,
    max_side: int = 640,
    *,
    fmt: str = "bytes",
    row_group_rows: int = 100,
) -> Path:
    """Write a corpus of `n` distinct images derived from SAMPLE_IMAGES and return its path.

    Each row takes a sample photo (round-robin), applies a random crop (70-100% of each side,
    so most of the captioned scene stays), an optional horizontal flip, a rescale (longest
    side at most `max_side`) and a brightness change of up to 15%, encodes it as JPEG q90,
    and carries one of the photo's captions in `text` (and as the single entry of `captions`).
    Image bytes are all distinct; output is deterministic for `seed`. `out`: a *.parquet path
    or a folder (then `out/bench.parquet`); `fmt` as in write_sample_corpus; `row_group_rows`
    rows per Parquet row group.
    """
    import numpy as np
    from PIL import Image

    _check_fmt(fmt)
    if n < 0 or max_side < 32 or row_group_rows < 1:
        raise ValueError("need n >= 0, max_side >= 32, row_group_rows >= 1")
    path = _parquet_path(out, "bench.parquet")
    rng = np.random.default_rng(seed)
    sources = [load_sample_array(s) for s in SAMPLE_IMAGES]

    def derive(arr: np.ndarray) -> Image.Image:
        h, w = arr.shape[:2]
        ch = max(32, int(round(h * rng.uniform(0.7, 1.0))))
        cw = max(32, int(round(w * rng.uniform(0.7, 1.0))))
        y = int(rng.integers(0, h - ch + 1))
        x = int(rng.integers(0, w - cw + 1))
        crop = arr[y : y + ch, x : x + cw]
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        gain = rng.uniform(0.85, 1.15)
        crop = np.clip(crop.astype(np.float32) * np.float32(gain), 0, 255).round().astype(np.uint8)
        img = Image.fromarray(np.ascontiguousarray(crop))
        scale = min(rng.uniform(0.5, 1.0), max_side / max(ch, cw))
        size = (max(16, int(round(cw * scale))), max(16, int(round(ch * scale))))
        return img.resize(size, Image.Resampling.BILINEAR)

    def rows() -> Iterable[dict]:
        seen: set[bytes] = set()
        for i in range(n):
            k = i % len(SAMPLE_IMAGES)
            s = SAMPLE_IMAGES[k]
            while True:  # redraw on the (unlikely) chance of identical bytes
                data, ext = _encode(derive(sources[k]), lossless_gray=False)
                digest = hashlib.sha256(data).digest()
                if digest not in seen:
                    seen.add(digest)
                    break
            caption = s.captions[int(rng.integers(0, len(s.captions)))]
            license = f"{s.license}; modified (random crop, flip, rescale, brightness)"
            yield _row(f"bench-{i:06d}-{s.id}", data, ext, caption, [caption], license, s.loader, fmt, path.parent)

    return _write_parquet(path, fmt, rows(), row_group_rows=row_group_rows)
