"""Reading and checking a showroom content pack, before anything is written.

A pack is a folder: `pavilion.yaml`, `stands/<slug>.yaml`, and the media files they name
(relative paths). Everything is checked first: YAML syntax, the JSON Schemas in
`showrooms/schema/`, what a schema cannot say (a file named after its slug, unique slugs,
known time zones, duty hours that end after they start), and every media file (an image must
decode, a PDF must look like one, a video must hold a video stream). Each problem is reported
with its file, line and field; one problem anywhere means nothing is imported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

# The schemas live with the packs (showrooms/schema): next to the code in a checkout, or in the
# working directory where an installed app runs (the image copies them to /app/showrooms).
SCHEMAS = next(
    (
        folder
        for folder in (
            Path(__file__).resolve().parents[2] / "showrooms" / "schema",
            Path.cwd() / "showrooms" / "schema",
        )
        if (folder / "stand.schema.json").is_file()
    ),
    Path.cwd() / "showrooms" / "schema",
)
IMAGE_TYPES = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WEBP"}
MAX_MEDIA_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    file: str  # relative to the pack
    line: int | None
    field: str  # a dotted path into the document, or "" for the file itself
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field or '(file)'}: {self.message}"


class PackInvalid(Exception):
    """The pack cannot be imported; `problems` says every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the pack")
        self.problems = problems


@dataclass
class Media:
    """A media file a pack names: where it is, and its content hash (its key in the store)."""

    path: Path
    kind: str  # image | document | video
    sha256: str = ""

    @property
    def key(self) -> str:
        return f"{self.sha256}{self.path.suffix.lower()}"


@dataclass
class Pack:
    folder: Path
    pavilion: dict[str, Any]
    stands: list[dict[str, Any]]  # in file-name order
    media: dict[str, Media] = field(default_factory=dict)  # by relative path

    def key(self, relative: str) -> str:
        return self.media[relative].key

    def digest(self, document: dict[str, Any]) -> str:
        """A document's content with its media's hashes: equal digests, nothing changed."""
        keys = {p: m.sha256 for p, m in self.media.items() if p in _paths(document)}
        text = json.dumps([document, keys], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def _paths(document: Any) -> set[str]:
    """Every string in a document (media paths among them)."""
    if isinstance(document, dict):
        return set().union(*(_paths(v) for v in document.values())) if document else set()
    if isinstance(document, list):
        return set().union(*(_paths(v) for v in document)) if document else set()
    return {document} if isinstance(document, str) else set()


@cache
def _validators() -> tuple[Draft202012Validator, Draft202012Validator]:
    schemas = {
        name: json.loads((SCHEMAS / name).read_text())
        for name in ("pavilion.schema.json", "stand.schema.json")
    }
    resources = [(name, Resource.from_contents(s)) for name, s in schemas.items()]
    resources += [(s["$id"], Resource.from_contents(s)) for s in schemas.values()]
    registry: Registry = Registry().with_resources(resources)
    return (
        Draft202012Validator(schemas["pavilion.schema.json"], registry=registry),
        Draft202012Validator(schemas["stand.schema.json"], registry=registry),
    )


def read_pack(folder: Path) -> Pack:
    """The pack in `folder`, checked whole; PackInvalid lists every problem found."""
    problems: list[Problem] = []
    if not (folder / "pavilion.yaml").is_file():
        raise PackInvalid([Problem("pavilion.yaml", None, "", "missing: a pack starts with it")])
    pavilion_checker, stand_checker = _validators()
    pavilion = _document(folder, "pavilion.yaml", pavilion_checker, problems)
    stands: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for path in sorted((folder / "stands").glob("*.y*ml")):
        name = f"stands/{path.name}"
        stand = _document(folder, name, stand_checker, problems)
        if stand is None:
            continue
        slug = stand.get("slug")
        if isinstance(slug, str):
            if path.stem != slug:
                problems.append(
                    Problem(
                        name,
                        _line(folder, name, ["slug"]),
                        "slug",
                        f"{slug!r} must be the file's name ({path.stem!r})",
                    )
                )
            if slug in seen:
                problems.append(
                    Problem(
                        name,
                        _line(folder, name, ["slug"]),
                        "slug",
                        f"{slug!r} is also the slug of {seen[slug]}",
                    )
                )
            seen.setdefault(slug, name)
        problems.extend(_stand_rules(folder, name, stand))
        stands.append(stand)
    if not stands and not problems:
        problems.append(Problem("stands/", None, "", "no stands: add stands/<slug>.yaml files"))
    pack = Pack(folder, pavilion or {}, stands)
    for name, document in [("pavilion.yaml", pavilion or {})] + [
        (f"stands/{s.get('slug')}.yaml", s) for s in stands
    ]:
        for relative, kind in _media_of(document):
            if relative not in pack.media:
                media = pack.media[relative] = Media(folder / relative, kind)
                problems.extend(_check_media(folder, name, relative, media, document))
    if problems:
        raise PackInvalid(problems)
    return pack


def _document(
    folder: Path, name: str, checker: Draft202012Validator, problems: list[Problem]
) -> dict[str, Any] | None:
    """One YAML file, parsed and checked against its schema (None if it cannot be used)."""
    try:
        text = (folder / name).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except UnicodeDecodeError:
        problems.append(Problem(name, None, "", "not UTF-8 text"))
        return None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problems.append(Problem(name, line, "", f"not valid YAML: {exc.problem}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(name, 1, "", "must be a mapping of fields"))
        return None
    for error in sorted(checker.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = list(error.absolute_path)
        problems.append(Problem(name, _line(folder, name, path), _dotted(path), _message(error)))
    return data


def _message(error: Any) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    return error.message


def _dotted(path: list[Any]) -> str:
    return "".join(
        f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path)
    )


def _line(folder: Path, name: str, path: list[Any]) -> int | None:
    """The line of the node at `path` in a YAML file (its nearest existing ancestor)."""
    try:
        node = yaml.compose((folder / name).read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return None
    for step in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == step), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value)
        ):
            child = node.value[step]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1 if node is not None else None


def _stand_rules(folder: Path, name: str, stand: dict[str, Any]) -> Iterator[Problem]:
    """What the schema cannot say about a stand."""
    products = stand.get("products") or []
    seen: set[str] = set()
    for i, product in enumerate(products if isinstance(products, list) else []):
        slug = product.get("slug") if isinstance(product, dict) else None
        if isinstance(slug, str) and slug in seen:
            where = ["products", i, "slug"]
            yield Problem(
                name,
                _line(folder, name, where),
                _dotted(where),
                f"{slug!r} is already a product of this stand",
            )
        seen.add(slug or "")
    staff = stand.get("staff") or []
    emails: set[str] = set()
    for i, person in enumerate(staff if isinstance(staff, list) else []):
        if not isinstance(person, dict):
            continue
        email = str(person.get("email", "")).lower()
        if email in emails:
            where = ["staff", i, "email"]
            yield Problem(
                name, _line(folder, name, where), _dotted(where), f"{email!r} is listed twice"
            )
        emails.add(email)
        tz = person.get("tz")
        if isinstance(tz, str):
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                where = ["staff", i, "tz"]
                yield Problem(
                    name,
                    _line(folder, name, where),
                    _dotted(where),
                    f"{tz!r} is not an IANA time zone",
                )
        for j, hours in enumerate(person.get("duty") or []):
            if isinstance(hours, dict) and str(hours.get("from", "")) >= str(hours.get("to", "~")):
                where = ["staff", i, "duty", j, "to"]
                yield Problem(
                    name,
                    _line(folder, name, where),
                    _dotted(where),
                    "must be later than `from` (split a shift that crosses midnight in two)",
                )


def _media_of(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(relative path, kind) of every media file a pavilion or stand document names."""
    for key in ("banner", "logo"):
        if isinstance(document.get(key), str):
            yield document[key], "image"
    for product in document.get("products") or []:
        if not isinstance(product, dict):
            continue
        for image in product.get("images") or []:
            if isinstance(image, str):
                yield image, "image"
        for doc in product.get("documents") or []:
            if isinstance(doc, dict) and isinstance(doc.get("file"), str):
                yield doc["file"], "document"
        for video in product.get("videos") or []:
            if isinstance(video, dict) and isinstance(video.get("file"), str):
                yield video["file"], "video"


def _field_of(document: dict[str, Any], relative: str) -> list[Any]:
    """The path in `document` of the first field naming `relative` (for the error's line)."""

    def walk(node: Any, path: list[Any]) -> list[Any] | None:
        if node == relative:
            return path
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else []
        )
        for k, v in items:
            found = walk(v, [*path, k])
            if found is not None:
                return found
        return None

    return walk(document, []) or []


def _check_media(
    folder: Path, name: str, relative: str, media: Media, document: dict[str, Any]
) -> Iterator[Problem]:
    where = _field_of(document, relative)
    line = _line(folder, name, where)

    def problem(message: str) -> Problem:
        return Problem(name, line, _dotted(where), f"{relative}: {message}")

    path = (folder / relative).resolve()
    if folder.resolve() not in path.parents:
        yield problem("must be inside the pack's folder")
        return
    if not path.is_file():
        yield problem("no such file in the pack")
        return
    data = path.read_bytes()
    if len(data) > MAX_MEDIA_BYTES:
        yield problem(f"larger than {MAX_MEDIA_BYTES // (1024 * 1024)} MiB")
        return
    media.sha256 = hashlib.sha256(data).hexdigest()
    reason = _unreadable(path, data, media.kind)
    if reason:
        yield problem(reason)


def _unreadable(path: Path, data: bytes, kind: str) -> str | None:
    """Why a media file cannot be used as its kind, or None."""
    if kind == "document":
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
            return "not a PDF document"
        return None
    if kind == "image":
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as image:
                expected = IMAGE_TYPES[path.suffix.lower().lstrip(".")]
                if image.format != expected:
                    return f"the file is {image.format}, its name says {expected}"
                image.load()  # decodes every pixel: a truncated file fails here
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            return f"not a readable image ({exc})"
        return None
    import av

    try:
        with av.open(str(path), "r") as container:
            if not container.streams.video:
                return "holds no video stream"
    except av.FFmpegError as exc:
        return f"not a readable video ({exc})"
    return None
