"""Small showroom packs written on the fly for tests: a pavilion, stands, and real media."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import yaml
from PIL import Image

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def text(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


def image_bytes(colour: tuple[int, int, int], size: tuple[int, int] = (640, 400)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def stand_doc(slug: str, **overrides: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": text(f"{slug.title()} Works", f"Завод {slug}"),
        "description": text(
            "Turbines and pumps for power plants.", "Турбины и насосы для электростанций."
        ),
        "industries": ["machinery"],
        "size": "medium",
        "logo": f"media/{slug}/logo.png",
        "staff": [
            {
                "email": f"sales@{slug}.example",
                "name": "Anna Petrova",
                "tz": "Europe/Moscow",
                "duty": [
                    {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "18:00"}
                ],
            }
        ],
        "products": [
            {
                "slug": "turbine",
                "name": text("Steam turbine T-16", "Паровая турбина Т-16"),
                "description": text(
                    "A 16 MW steam turbine for industrial power plants.",
                    "Паровая турбина мощностью 16 МВт для промышленных электростанций.",
                ),
                "specs": [{"name": text("Power", "Мощность"), "value": "16 MW"}],
                "images": [f"media/{slug}/turbine.png"],
                "documents": [
                    {"title": text("Datasheet", "Паспорт"), "file": f"media/{slug}/t16.pdf"}
                ],
            }
        ],
        **overrides,
    }


def write_pack(folder: Path, stands: list[dict[str, Any]], **pavilion: Any) -> Path:
    """A pack in `folder` with these stands, and every medium they name made real."""
    (folder / "stands").mkdir(parents=True, exist_ok=True)
    document = {
        "slug": "volga",
        "kind": "region",
        "name": text("Volga Region", "Поволжье"),
        "country": "RU",
        "city": text("Kazan", "Казань"),
        "description": text("Industry of the Volga.", "Промышленность Поволжья."),
        "banner": "media/banner.png",
        **pavilion,
    }
    (folder / "pavilion.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    media = {"media/banner.png": image_bytes((20, 40, 90), (1200, 300))}
    for i, stand in enumerate(stands):
        (folder / "stands" / f"{stand['slug']}.yaml").write_text(
            yaml.safe_dump(stand, allow_unicode=True, sort_keys=False), "utf-8"
        )
        if isinstance(stand.get("logo"), str):
            media[stand["logo"]] = image_bytes((200, 30 * i % 255, 40), (256, 256))
        for product in stand.get("products") or []:
            for image in product.get("images") or []:
                media[image] = image_bytes((30, 120, 30 * i % 255))
            for document_ in product.get("documents") or []:
                media[document_["file"]] = PDF
    for relative, data in media.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    return folder
