"""The showrooms' media store: files kept under their content hash, images with a thumbnail.

A key is `<sha256>.<ext>` (a thumbnail: `<sha256>.thumb.jpg`); a file never changes under its
key, so it is served with a year's caching. Files are written to a temporary name and renamed,
so a reader never sees half a file and an interrupted import leaves no broken one.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from server.errors import NotFound
from server.expo.packs import Media

KEY = re.compile(r"^[0-9a-f]{64}(?:\.thumb\.jpg|\.(?:png|jpe?g|webp|pdf|mp4|webm))$")
THUMBNAIL_SIZE = (480, 480)
TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "mp4": "video/mp4",
    "webm": "video/webm",
}


def thumbnail_key(key: str) -> str:
    return f"{key.split('.', 1)[0]}.thumb.jpg"


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put(self, media: Media) -> bool:
        """Store a pack's file (and an image's thumbnail); False if it was there already."""
        target = self.path(media.key)
        if target.is_file():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as out:
            with media.path.open("rb") as source:
                shutil.copyfileobj(source, out)
        os.replace(out.name, target)
        if media.kind == "image":
            self._thumbnail(target, self.path(thumbnail_key(media.key)))
        return True

    def _thumbnail(self, image_path: Path, target: Path) -> None:
        from PIL import Image

        with Image.open(image_path) as image:
            small = image.convert("RGB")
            small.thumbnail(THUMBNAIL_SIZE)
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".jpg") as out:
                small.save(out, "JPEG", quality=80, optimize=True)
        os.replace(out.name, target)

    @staticmethod
    def media_type(key: str) -> str:
        return TYPES[key.rsplit(".", 1)[1]]


def stored_file(root: Path, key: str) -> tuple[Path, str]:
    """The file stored under `key` in the store at `root`, and its media type; NotFound for a
    key that is not one (no path outside the store can be named)."""
    store = MediaStore(root)
    if not KEY.match(key) or not store.path(key).is_file():
        raise NotFound(f"media: no file {key!r}", field="media")
    return store.path(key), store.media_type(key)
