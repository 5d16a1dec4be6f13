"""Generate the media files of the demo showroom packs (logos, product pictures, banners,
datasheets and short clips).

This script generated the demo media in showrooms/<pack>/media/ once; the files are kept in
the repository, so nothing needs it at run time. It reads every pack's pavilion.yaml and
stands/*.yaml and draws each media file they reference, deterministically (the same YAML gives
the same pictures): a pavilion's banner, a stand's logo, a product's images, datasheets (PDF)
and videos. Re-run it after adding or renaming a stand or a product:

    .venv/bin/python showrooms/tools/make_demo_media.py            # every pack, every file
    .venv/bin/python showrooms/tools/make_demo_media.py tatarstan  # one pack
    .venv/bin/python showrooms/tools/make_demo_media.py --missing  # only files not there yet

It needs Pillow, PyYAML and PyAV (all in the project's dependencies) and a TrueType font with
Cyrillic (DejaVu Sans, found with fc-list; Pillow's default font otherwise). PDFs are written by
hand (PDF 1.4, Helvetica, English only), videos are H.264 mp4 encoded with PyAV.
"""

from __future__ import annotations

import argparse
import colorsys
import hashlib
import math
import random
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent  # showrooms/
FORUM = "Crossroads 2027 International Industrial Forum"
FORUM_RU = "Международный промышленный форум «Перекрёсток-2027»"
SS = 2  # supersampling factor for smooth edges


# ----------------------------------------------------------------------------- fonts, colours


@cache
def _font_path(bold: bool) -> str | None:
    wanted = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    candidates = [Path("/usr/share/fonts/truetype/dejavu") / wanted]
    try:
        out = subprocess.run(
            ["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, timeout=10
        ).stdout
        candidates += [Path(line) for line in out.splitlines() if line.endswith(wanted)]
    except (OSError, subprocess.SubprocessError):
        pass
    for path in candidates:
        if path.is_file():
            return str(path)
    return None


@cache
def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_path(bold)
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def seed_of(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:8], "big")


def hsv(h: float, s: float, v: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, max(0.0, min(1.0, s)), max(0.0, min(1.0, v)))
    return int(r * 255), int(g * 255), int(b * 255)


def mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, int, int]:
    return tuple(int(a[i] + (b[i] - a[i]) * t) for i in range(3))  # type: ignore[return-value]


def gradient(
    w: int, h: int, top: tuple[int, int, int], bottom: tuple[int, int, int], diagonal: float = 0.35
) -> Image.Image:
    """A smooth two-colour gradient, slightly diagonal."""
    col = Image.linear_gradient("L").resize((w, h))
    row = Image.linear_gradient("L").rotate(90).resize((w, h))
    mask = Image.blend(col, row, diagonal)
    return Image.composite(Image.new("RGB", (w, h), bottom), Image.new("RGB", (w, h), top), mask)


def fit_text(
    draw: ImageDraw.ImageDraw,
    text: str,
    max_w: int,
    size: int,
    bold: bool = True,
    min_size: int = 10,
):
    while size > min_size:
        f = font(size, bold)
        if draw.textlength(text, font=f) <= max_w:
            return f
        size -= 1
    return font(min_size, bold)


# ----------------------------------------------------------------------------- product shapes

# (keywords in the product's English name or slug) -> shape; first match wins.
SHAPES = [
    (("sandwich", "composite panel", "laminate"), "beam"),
    (("pressure vessel", "gas cylinder"), "tank"),
    (("pressure", "sensing"), "gauge"),
    (("robot", "manipulator", "welding cell", "palletis"), "robot"),
    (("wind",), "windmill"),
    (("tug", "ship", "boat", "barge", "ferry", "vessel hull", "propulsion", "marine"), "ship"),
    (("bearing",), "bearing"),
    (("gear", "reducer", "gearbox", "axle", "transmission", "spindle", "ball screw"), "gear"),
    (("turbine", "impeller", "pump", "compressor", "fan", "blade", "blower"), "turbine"),
    (("cable", "wire harness", "busbar"), "cable"),
    (("battery", "energy storage", "accumulator", "bess"), "battery"),
    (("lamp", "luminaire", "lighting", "led ", "floodlight", "projector"), "lamp"),
    (("camera", "vision", "optic", "lens", "laser", "lidar", "thermal imag"), "lens"),
    (
        (
            "software",
            "scada",
            "platform",
            "digital twin",
            "mes",
            "dispatch",
            "analytics",
            "monitoring system",
            "system for",
        ),
        "screen",
    ),
    (
        (
            "chip",
            "microcontroller",
            "processor",
            "semiconductor",
            "module",
            "asic",
            "fpga",
            "board",
            "sic ",
            "mosfet",
            "igbt",
            "transceiver",
            "radio",
            "modem",
            "router",
        ),
        "chip",
    ),
    (
        (
            "sensor",
            "meter",
            "gauge",
            "analy",
            "transmitter",
            "detector",
            "probe",
            "thermometer",
            "instrument",
            "calibrat",
            "micrometer",
            "caliper",
            "tester",
            "measuring",
        ),
        "gauge",
    ),
    (
        (
            "switchgear",
            "cabinet",
            "panel",
            "substation",
            "converter",
            "inverter",
            "starter",
            "controller",
            "drive",
            "plc",
            "power supply",
            "charger",
            "relay",
            "protection",
        ),
        "panel",
    ),
    (("transformer", "reactor coil", "motor", "generator"), "motor"),
    (
        (
            "tank",
            "vessel",
            "reactor",
            "column",
            "separator",
            "cylinder",
            "tower",
            "silo",
            "autoclave",
            "heat exchanger",
            "boiler",
        ),
        "tank",
    ),
    (("valve", "pipe", "tube", "casing", "tubing", "fitting", "hose", "pipeline", "duct"), "pipe"),
    (
        (
            "coil",
            "sheet",
            "strip",
            "rolled",
            "rebar",
            "wire",
            "rod",
            "billet",
            "foil",
            "film",
            "roll",
            "copper",
            "cathode",
            "plate",
        ),
        "coil",
    ),
    (
        (
            "beam",
            "structure",
            "truss",
            "profile",
            "extrusion",
            "galvani",
            "frame",
            "crane",
            "hoist",
            "girder",
            "scaffold",
            "rail fastening",
            "fastener",
            "bolt",
            "mesh",
        ),
        "beam",
    ),
    (("wheel", "rail"), "wheel"),
    (("drill", "bit", "cutter", "insert", "tool", "end mill", "reamer"), "drill"),
    (
        (
            "powder",
            "granul",
            "pellet",
            "compound",
            "masterbatch",
            "polypropylene",
            "polyethylene",
            "rubber",
            "elastomer",
            "resin",
        ),
        "granules",
    ),
    (
        ("coating", "paint", "primer", "enamel", "sealant", "lubricant", "adhesive", "varnish"),
        "can",
    ),
    (
        (
            "catalyst",
            "reagent",
            "inhibitor",
            "demulsifier",
            "additive",
            "solvent",
            "acid",
            "chemical",
            "fluid",
            "surfactant",
            "silicone",
            "intermediate",
            "api",
            "fluorid",
        ),
        "flask",
    ),
    (
        (
            "lathe",
            "machining",
            "milling",
            "cnc",
            "grinder",
            "grinding",
            "press ",
            "presses",
            "machine",
            "harvester",
            "header",
            "seeder",
            "drill rig",
            "loader",
            "cutter-loader",
            "shearer",
            "tractor",
            "combine",
            "plough",
            "conveyor",
        ),
        "machine",
    ),
    (
        (
            "casting",
            "forging",
            "crankshaft",
            "flange",
            "part",
            "component",
            "housing",
            "disc",
            "ring",
            "ceramic",
            "substrate",
            "glass",
            "blank",
            "panel",
        ),
        "flange",
    ),
]
INDUSTRY_SHAPES = {
    "metallurgy": "coil",
    "machinery": "machine",
    "chemicals": "flask",
    "electronics": "chip",
    "energy": "motor",
    "oil-gas": "pipe",
    "automotive": "gear",
    "aerospace": "turbine",
    "shipbuilding": "ship",
    "agritech": "machine",
    "construction": "beam",
    "it": "screen",
    "logistics": "wheel",
    "pharma": "flask",
    "textiles": "coil",
}


# Where the keywords pick the wrong picture: "stand/product" -> shape.
OVERRIDES = {
    "ural-tau-chemicals/pac-drilling-polymer": "granules",
    "berezina-mining-machinery/electric-shuttle-car": "machine",
    "ruhrtal-umformtechnik/lamination-stamping-press": "machine",
    "vogel-antriebstechnik/decentralised-servo-drive": "motor",
    "oka-shipyard/electric-passenger-vessel": "ship",
    "samara-space-electronics/satellite-power-system": "battery",
    "syzran-heat-exchangers/air-cooled-heat-exchanger": "turbine",
    "volgaautocomponent/front-subframe": "beam",
    "volgaautocomponent/body-stampings": "beam",
    "gran-ural-machine-tools/machine-tool-retrofit": "machine",
    "uraltitan-components/titanium-landing-gear-forging": "flange",
    "uraltitan-components/titanium-heat-exchanger-tube": "pipe",
    "kama-elastomers/sssbr-functionalized": "granules",
    "kamsteel/continuous-cast-billet": "beam",
    "kamsteel/angles-and-channels": "beam",
    "kazan-coatings/intumescent-fire-coating": "can",
    "kazan-galvanizing-works/substation-gantry": "beam",
    "chelny-drive-systems/propeller-shaft": "gear",
    "chelny-drive-systems/power-take-off": "gear",
    "idel-machine-tools/idel-nc2-cnc": "screen",
    "nurlat-lifting-equipment/electric-wire-rope-hoist": "beam",
    "volga-powder-metallurgy/sintered-bushings": "bearing",
    "yelabuga-hydraulics/hydraulic-cylinder-heavy": "pipe",
    "cascadia-composites/composite-flap-panel": "beam",
    "cascadia-composites/thermoplastic-bracket": "flange",
    "great-lakes-machine-works/creep-feed-profile-grinder": "machine",
    "setouchi-marine-systems/controllable-pitch-propeller": "turbine",
    "kazan-nonferrous-foundry/gearbox-housing-casting": "flange",
    "feldberg-messtechnik/inline-3d-scanner": "lens",
    "kazan-sensor-technologies/ultrasonic-flowmeter": "gauge",
}


def shape_for(product: dict, industries: list[str], stand_slug: str = "") -> str:
    """The shape class of a product, from keywords at the start of words in its English name."""
    if f"{stand_slug}/{product['slug']}" in OVERRIDES:
        return OVERRIDES[f"{stand_slug}/{product['slug']}"]
    text = " " + (product["name"]["en"] + " " + product["slug"].replace("-", " ")).lower() + " "
    for keywords, shape in SHAPES:
        if any(re.search(r"(?<![a-z0-9])" + re.escape(k), text) for k in keywords):
            return shape
    return INDUSTRY_SHAPES.get(industries[0] if industries else "", "flange")


def _poly(cx, cy, r, n, rot=0.0):
    return [
        (cx + r * math.cos(rot + 2 * math.pi * i / n), cy + r * math.sin(rot + 2 * math.pi * i / n))
        for i in range(n)
    ]


def draw_shape(
    d: ImageDraw.ImageDraw,
    shape: str,
    cx: float,
    cy: float,
    s: float,
    main: tuple[int, int, int],
    accent: tuple[int, int, int],
    rng: random.Random,
    angle: float = 0.0,
) -> None:
    """Draw a stylised object of class `shape` centred at (cx, cy), about 2*s across."""
    light = mix(main, (255, 255, 255), 0.45)
    dark = mix(main, (0, 0, 0), 0.45)
    white = (245, 247, 250)
    lw = max(2, int(s * 0.035))
    if shape == "gear":
        teeth = rng.choice([10, 12, 14, 16])
        pts = []
        for i in range(teeth * 4):
            a = angle + 2 * math.pi * i / (teeth * 4)
            r = s if i % 4 in (1, 2) else s * 0.82
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
        d.polygon(pts, fill=main, outline=dark, width=lw)
        d.ellipse(
            [cx - s * 0.62, cy - s * 0.62, cx + s * 0.62, cy + s * 0.62],
            fill=light,
            outline=dark,
            width=lw,
        )
        for i in range(6):
            a = angle + i * math.pi / 3
            hx, hy = cx + s * 0.42 * math.cos(a), cy + s * 0.42 * math.sin(a)
            d.ellipse([hx - s * 0.08, hy - s * 0.08, hx + s * 0.08, hy + s * 0.08], fill=main)
        d.ellipse([cx - s * 0.2, cy - s * 0.2, cx + s * 0.2, cy + s * 0.2], fill=dark)
        d.rectangle([cx - s * 0.05, cy - s * 0.26, cx + s * 0.05, cy - s * 0.16], fill=dark)
    elif shape == "bearing":
        d.ellipse([cx - s, cy - s, cx + s, cy + s], fill=light, outline=dark, width=lw)
        d.ellipse([cx - s * 0.86, cy - s * 0.86, cx + s * 0.86, cy + s * 0.86], fill=dark)
        n = rng.choice([9, 11, 13])
        for i in range(n):
            a = angle + 2 * math.pi * i / n
            bx, by = cx + s * 0.66 * math.cos(a), cy + s * 0.66 * math.sin(a)
            d.ellipse(
                [bx - s * 0.15, by - s * 0.15, bx + s * 0.15, by + s * 0.15],
                fill=white,
                outline=main,
                width=lw,
            )
        d.ellipse(
            [cx - s * 0.48, cy - s * 0.48, cx + s * 0.48, cy + s * 0.48],
            fill=light,
            outline=dark,
            width=lw,
        )
        d.ellipse([cx - s * 0.34, cy - s * 0.34, cx + s * 0.34, cy + s * 0.34], fill=accent)
    elif shape == "turbine":
        d.ellipse([cx - s, cy - s, cx + s, cy + s], fill=dark)
        n = rng.choice([5, 7, 9, 12])
        for i in range(n):
            a = angle + 2 * math.pi * i / n
            pts = [(cx, cy)]
            for t in range(9):
                aa = a + t * 0.09 + 0.35 * math.sin(t / 8 * math.pi / 2)
                r = s * (0.2 + 0.75 * t / 8)
                pts.append((cx + r * math.cos(aa), cy + r * math.sin(aa)))
            for t in range(8, -1, -1):
                aa = a + 0.42 + t * 0.05
                r = s * (0.2 + 0.75 * t / 8)
                pts.append((cx + r * math.cos(aa), cy + r * math.sin(aa)))
            d.polygon(pts, fill=light if i % 2 else main)
        d.ellipse(
            [cx - s * 0.22, cy - s * 0.22, cx + s * 0.22, cy + s * 0.22],
            fill=accent,
            outline=white,
            width=lw,
        )
        d.ellipse([cx - s * 0.07, cy - s * 0.07, cx + s * 0.07, cy + s * 0.07], fill=white)
    elif shape == "pipe":
        n = rng.choice([2, 3])
        for k in range(n):
            y = cy - s * 0.6 + k * s * 1.2 / max(1, n - 1) if n > 1 else cy
            h = s * (0.42 if n == 2 else 0.32)
            x0, x1 = cx - s * 1.5, cx + s * 1.3
            col = [main, light, dark][k % 3]
            d.rectangle([x0, y - h / 2, x1, y + h / 2], fill=col)
            d.rectangle(
                [x0, y - h / 2, x1, y - h / 2 + h * 0.18], fill=mix(col, (255, 255, 255), 0.35)
            )
            d.ellipse(
                [x1 - h * 0.3, y - h / 2, x1 + h * 0.3, y + h / 2],
                fill=mix(col, (0, 0, 0), 0.35),
                outline=white,
                width=lw,
            )
            d.ellipse([x1 - h * 0.17, y - h * 0.34, x1 + h * 0.17, y + h * 0.34], fill=(30, 30, 36))
            fx = cx - s * 0.2 + k * s * 0.3
            d.rectangle([fx - h * 0.12, y - h * 0.68, fx + h * 0.12, y + h * 0.68], fill=accent)
        d.ellipse(
            [cx + s * 0.35, cy - s * 1.05, cx + s * 0.85, cy - s * 0.55],
            outline=accent,
            width=lw * 2,
        )
        d.line([cx + s * 0.6, cy - s * 0.8, cx + s * 0.6, cy - s * 0.35], fill=accent, width=lw * 2)
    elif shape == "panel":
        w, h = s * 1.3, s * 1.0
        d.rounded_rectangle(
            [cx - w, cy - h, cx + w, cy + h], radius=s * 0.06, fill=light, outline=dark, width=lw
        )
        d.line([cx, cy - h, cx, cy + h], fill=dark, width=lw)
        for side in (-1, 1):
            x0 = cx + side * w * 0.5
            d.rectangle(
                [x0 - w * 0.36, cy - h * 0.82, x0 + w * 0.36, cy - h * 0.45], fill=(32, 38, 48)
            )
            for i in range(int(rng.choice([3, 4]))):
                lx = x0 - w * 0.3 + i * w * 0.2
                d.ellipse(
                    [lx - s * 0.05, cy - h * 0.3, lx + s * 0.05, cy - h * 0.2],
                    fill=[accent, (90, 200, 110), (230, 80, 70), white][i % 4],
                )
            for j in range(3):
                yy = cy + h * (0.0 + j * 0.25)
                d.rectangle([x0 - w * 0.36, yy, x0 + w * 0.36, yy + h * 0.12], fill=main)
            d.rectangle(
                [
                    cx + side * w * 0.08 - s * 0.02,
                    cy - h * 0.1,
                    cx + side * w * 0.08 + s * 0.02,
                    cy + h * 0.2,
                ],
                fill=dark,
            )
        d.rectangle([cx - w * 0.96, cy + h, cx + w * 0.96, cy + h * 1.08], fill=dark)
    elif shape == "chip":
        w = s * 0.85
        for i in range(8):
            px = cx - w + w * 2 * (i + 0.5) / 8
            py = cy - w + w * 2 * (i + 0.5) / 8
            for x0, y0, x1, y1 in (
                (px - s * 0.04, cy - w - s * 0.25, px + s * 0.04, cy - w),
                (px - s * 0.04, cy + w, px + s * 0.04, cy + w + s * 0.25),
                (cx - w - s * 0.25, py - s * 0.04, cx - w, py + s * 0.04),
                (cx + w, py - s * 0.04, cx + w + s * 0.25, py + s * 0.04),
            ):
                d.rectangle([x0, y0, x1, y1], fill=(200, 204, 210))
        d.rounded_rectangle(
            [cx - w, cy - w, cx + w, cy + w],
            radius=s * 0.08,
            fill=(38, 42, 50),
            outline=main,
            width=lw,
        )
        d.rectangle([cx - w * 0.5, cy - w * 0.5, cx + w * 0.5, cy + w * 0.5], fill=main)
        for i in range(5):
            yy = cy - w * 0.4 + i * w * 0.2
            d.line([cx - w * 0.42, yy, cx + w * 0.42, yy], fill=light, width=max(1, lw // 2))
        d.ellipse([cx - w * 0.82, cy - w * 0.82, cx - w * 0.68, cy - w * 0.68], fill=accent)
    elif shape == "gauge":
        d.ellipse([cx - s, cy - s, cx + s, cy + s], fill=dark)
        d.ellipse([cx - s * 0.88, cy - s * 0.88, cx + s * 0.88, cy + s * 0.88], fill=white)
        d.arc(
            [cx - s * 0.72, cy - s * 0.72, cx + s * 0.72, cy + s * 0.72],
            135,
            300,
            fill=main,
            width=lw * 3,
        )
        d.arc(
            [cx - s * 0.72, cy - s * 0.72, cx + s * 0.72, cy + s * 0.72],
            300,
            405,
            fill=(220, 70, 60),
            width=lw * 3,
        )
        for i in range(11):
            a = math.radians(135 + 27 * i)
            d.line(
                [
                    cx + s * 0.55 * math.cos(a),
                    cy + s * 0.55 * math.sin(a),
                    cx + s * 0.65 * math.cos(a),
                    cy + s * 0.65 * math.sin(a),
                ],
                fill=dark,
                width=lw,
            )
        a = math.radians(150 + (angle * 57.3 + rng.uniform(40, 200)) % 220)
        d.line(
            [cx, cy, cx + s * 0.6 * math.cos(a), cy + s * 0.6 * math.sin(a)],
            fill=accent,
            width=lw * 2,
        )
        d.ellipse([cx - s * 0.08, cy - s * 0.08, cx + s * 0.08, cy + s * 0.08], fill=dark)
        d.rectangle([cx - s * 0.25, cy + s * 0.95, cx + s * 0.25, cy + s * 1.25], fill=main)
    elif shape == "tank":
        w, h = s * 0.62, s * 0.95
        d.rectangle([cx - w * 0.8, cy + h, cx - w * 0.6, cy + h * 1.25], fill=dark)
        d.rectangle([cx + w * 0.6, cy + h, cx + w * 0.8, cy + h * 1.25], fill=dark)
        d.rectangle([cx - w, cy - h * 0.7, cx + w, cy + h], fill=main)
        d.ellipse([cx - w, cy - h * 1.05, cx + w, cy - h * 0.35], fill=light)
        d.rectangle([cx - w, cy - h * 0.2, cx + w, cy - h * 0.12], fill=dark)
        d.rectangle([cx - w, cy + h * 0.45, cx + w, cy + h * 0.53], fill=dark)
        d.rectangle(
            [cx - w * 0.78, cy - h * 0.6, cx - w * 0.6, cy + h * 0.9],
            fill=mix(main, (255, 255, 255), 0.25),
        )
        d.rectangle([cx + w * 0.05, cy - h * 1.2, cx + w * 0.2, cy - h * 0.9], fill=accent)
        for i in range(8):
            yy = cy - h * 0.6 + i * h * 0.2
            d.line([cx + w * 1.05, yy, cx + w * 1.3, yy], fill=white, width=lw)
        d.line([cx + w * 1.05, cy - h * 0.7, cx + w * 1.05, cy + h], fill=white, width=lw)
        d.line([cx + w * 1.3, cy - h * 0.7, cx + w * 1.3, cy + h], fill=white, width=lw)
    elif shape == "coil":
        count = rng.choice([1, 2])
        for k in range(count):
            ox = cx if count == 1 else cx - s * 0.55 + k * s * 1.1
            r = s * (0.85 if k == 0 else 0.7)
            oy = cy + (s * 0.15 if k else 0)
            d.rectangle([ox - r * 0.45, oy - r, ox + r * 0.45, oy + r], fill=dark)
            d.ellipse(
                [ox - r * 0.45 - r * 0.45, oy - r, ox - r * 0.45 + r * 0.45, oy + r], fill=dark
            )
            d.ellipse(
                [ox + r * 0.45 - r * 0.45, oy - r, ox + r * 0.45 + r * 0.45, oy + r],
                fill=light,
                outline=main,
                width=lw,
            )
            for j in range(1, 6):
                rr = r * (1 - j * 0.12)
                d.ellipse(
                    [ox + r * 0.45 - rr * 0.45, oy - rr, ox + r * 0.45 + rr * 0.45, oy + rr],
                    outline=main,
                    width=max(1, lw // 2),
                )
            d.ellipse(
                [ox + r * 0.45 - r * 0.15, oy - r * 0.32, ox + r * 0.45 + r * 0.15, oy + r * 0.32],
                fill=(30, 30, 36),
            )
    elif shape == "machine":
        w, h = s * 1.45, s * 0.9
        d.rounded_rectangle(
            [cx - w, cy - h, cx + w, cy + h], radius=s * 0.08, fill=light, outline=dark, width=lw
        )
        d.rectangle([cx - w * 0.85, cy - h * 0.7, cx + w * 0.35, cy + h * 0.45], fill=(40, 48, 60))
        d.rectangle(
            [cx - w * 0.8, cy - h * 0.62, cx + w * 0.3, cy + h * 0.38],
            fill=mix(main, (40, 48, 60), 0.5),
        )
        d.rectangle(
            [cx - w * 0.55, cy - h * 0.1, cx - w * 0.05, cy + h * 0.05], fill=(190, 195, 205)
        )
        d.polygon(
            [
                (cx - w * 0.05, cy - h * 0.15),
                (cx + w * 0.12, cy - h * 0.025),
                (cx - w * 0.05, cy + h * 0.1),
            ],
            fill=accent,
        )
        d.rectangle([cx + w * 0.5, cy - h * 0.7, cx + w * 0.88, cy - h * 0.1], fill=(30, 34, 40))
        d.rectangle(
            [cx + w * 0.54, cy - h * 0.64, cx + w * 0.84, cy - h * 0.3], fill=(70, 160, 220)
        )
        for i in range(3):
            for j in range(3):
                bx, by = cx + w * (0.56 + i * 0.1), cy + h * (0.0 + j * 0.16)
                d.rectangle([bx, by, bx + w * 0.06, by + h * 0.1], fill=main)
        d.rectangle([cx - w, cy + h * 0.7, cx + w, cy + h], fill=main)
        d.rectangle([cx - w * 1.02, cy + h, cx + w * 1.02, cy + h * 1.1], fill=dark)
    elif shape == "robot":
        bx, by = cx - s * 0.7, cy + s * 0.95
        d.rectangle([bx - s * 0.45, by - s * 0.05, bx + s * 0.45, by + s * 0.12], fill=dark)
        d.rectangle([bx - s * 0.28, by - s * 0.3, bx + s * 0.28, by], fill=main)
        j1 = (bx, by - s * 0.35)
        a1 = -math.pi / 2 + 0.35 + 0.3 * math.sin(angle)
        j2 = (j1[0] + s * 1.0 * math.cos(a1), j1[1] + s * 1.0 * math.sin(a1))
        a2 = 0.25 + 0.3 * math.cos(angle)
        j3 = (j2[0] + s * 0.95 * math.cos(a2), j2[1] + s * 0.95 * math.sin(a2))
        for p, q in ((j1, j2), (j2, j3)):
            d.line([p, q], fill=main, width=int(s * 0.22))
            d.line([p, q], fill=light, width=int(s * 0.08))
        for p in (j1, j2):
            d.ellipse(
                [p[0] - s * 0.17, p[1] - s * 0.17, p[0] + s * 0.17, p[1] + s * 0.17],
                fill=dark,
                outline=accent,
                width=lw,
            )
        d.rectangle(
            [j3[0] - s * 0.06, j3[1] - s * 0.12, j3[0] + s * 0.12, j3[1] + s * 0.12], fill=dark
        )
        d.line(
            [j3[0] + s * 0.12, j3[1] - s * 0.1, j3[0] + s * 0.3, j3[1] - s * 0.14],
            fill=accent,
            width=lw * 2,
        )
        d.line(
            [j3[0] + s * 0.12, j3[1] + s * 0.1, j3[0] + s * 0.3, j3[1] + s * 0.14],
            fill=accent,
            width=lw * 2,
        )
    elif shape == "ship":
        d.polygon(
            [
                (cx - s * 1.5, cy),
                (cx + s * 1.5, cy),
                (cx + s * 1.2, cy + s * 0.5),
                (cx - s * 1.3, cy + s * 0.5),
            ],
            fill=dark,
        )
        d.rectangle([cx - s * 1.5, cy - s * 0.05, cx + s * 1.5, cy + s * 0.05], fill=accent)
        d.rectangle([cx - s * 0.9, cy - s * 0.45, cx + s * 0.2, cy], fill=white)
        d.rectangle([cx - s * 0.7, cy - s * 0.8, cx - s * 0.05, cy - s * 0.45], fill=light)
        for i in range(4):
            d.rectangle(
                [
                    cx - s * 0.62 + i * s * 0.14,
                    cy - s * 0.7,
                    cx - s * 0.54 + i * s * 0.14,
                    cy - s * 0.6,
                ],
                fill=(40, 60, 90),
            )
        d.rectangle([cx - s * 0.35, cy - s * 1.15, cx - s * 0.2, cy - s * 0.8], fill=main)
        for i in range(3):
            y = cy + s * (0.6 + i * 0.12)
            d.arc(
                [
                    cx - s * 1.6 + i * s * 0.3,
                    y - s * 0.08,
                    cx + s * 1.6 - i * s * 0.3,
                    y + s * 0.08,
                ],
                0,
                180,
                fill=white,
                width=lw,
            )
    elif shape == "cable":
        d.ellipse([cx - s, cy - s, cx + s, cy + s], fill=(35, 35, 40))
        d.ellipse([cx - s * 0.9, cy - s * 0.9, cx + s * 0.9, cy + s * 0.9], fill=main)
        cols = [(200, 120, 60), (70, 110, 200), (90, 90, 90), (220, 200, 60), (60, 160, 90)]
        n = rng.choice([3, 4, 5])
        for i in range(n):
            a = angle + 2 * math.pi * i / n
            px, py = cx + s * 0.45 * math.cos(a), cy + s * 0.45 * math.sin(a)
            d.ellipse(
                [px - s * 0.33, py - s * 0.33, px + s * 0.33, py + s * 0.33],
                fill=cols[i % 5],
                outline=white,
                width=lw,
            )
            d.ellipse(
                [px - s * 0.18, py - s * 0.18, px + s * 0.18, py + s * 0.18], fill=(210, 130, 70)
            )
    elif shape == "battery":
        for i in range(3):
            x0 = cx - s * 1.3 + i * s * 0.9
            d.rounded_rectangle(
                [x0, cy - s * 0.8, x0 + s * 0.75, cy + s * 0.9],
                radius=s * 0.06,
                fill=main if i != 1 else light,
                outline=dark,
                width=lw,
            )
            d.rectangle([x0 + s * 0.25, cy - s * 0.92, x0 + s * 0.5, cy - s * 0.8], fill=dark)
            for j in range(4):
                d.rectangle(
                    [
                        x0 + s * 0.12,
                        cy + s * (0.65 - j * 0.22),
                        x0 + s * 0.63,
                        cy + s * (0.78 - j * 0.22),
                    ],
                    fill=accent if j < 3 else white,
                )
        d.polygon(
            [
                (cx + s * 0.1, cy - s * 0.55),
                (cx - s * 0.15, cy - s * 0.05),
                (cx + s * 0.05, cy - s * 0.05),
                (cx - s * 0.1, cy + s * 0.4),
                (cx + s * 0.25, cy - s * 0.15),
                (cx + s * 0.05, cy - s * 0.15),
            ],
            fill=white,
        )
    elif shape == "lamp":
        d.rounded_rectangle(
            [cx - s * 1.2, cy - s * 0.4, cx + s * 1.2, cy + s * 0.05], radius=s * 0.1, fill=dark
        )
        for i in range(10):
            lx = cx - s * 1.05 + i * s * 0.233
            d.ellipse(
                [lx - s * 0.07, cy - s * 0.1, lx + s * 0.07, cy + s * 0.04], fill=(255, 250, 220)
            )
        d.polygon(
            [
                (cx - s * 1.1, cy + s * 0.05),
                (cx + s * 1.1, cy + s * 0.05),
                (cx + s * 1.5, cy + s * 1.0),
                (cx - s * 1.5, cy + s * 1.0),
            ],
            fill=mix(accent, (255, 255, 255), 0.7),
        )
        d.line([cx - s * 0.9, cy - s * 0.4, cx - s * 0.9, cy - s * 1.1], fill=dark, width=lw)
        d.line([cx + s * 0.9, cy - s * 0.4, cx + s * 0.9, cy - s * 1.1], fill=dark, width=lw)
    elif shape == "lens":
        d.rounded_rectangle(
            [cx - s * 1.2, cy - s * 0.7, cx + s * 0.6, cy + s * 0.7], radius=s * 0.12, fill=dark
        )
        d.rectangle([cx - s * 0.9, cy - s * 0.95, cx - s * 0.4, cy - s * 0.7], fill=main)
        for r, col in (
            (0.75, main),
            (0.6, (25, 25, 30)),
            (0.45, light),
            (0.3, (20, 30, 60)),
            (0.12, (200, 220, 255)),
        ):
            d.ellipse(
                [cx + s * 0.35 - s * r, cy - s * r, cx + s * 0.35 + s * r, cy + s * r], fill=col
            )
        d.ellipse([cx - s * 1.0, cy - s * 0.5, cx - s * 0.8, cy - s * 0.3], fill=accent)
    elif shape == "screen":
        d.rounded_rectangle(
            [cx - s * 1.45, cy - s * 0.95, cx + s * 1.45, cy + s * 0.8],
            radius=s * 0.06,
            fill=(30, 34, 42),
        )
        d.rectangle(
            [cx - s * 1.35, cy - s * 0.85, cx + s * 1.35, cy + s * 0.7], fill=(240, 244, 248)
        )
        d.rectangle([cx - s * 1.35, cy - s * 0.85, cx - s * 0.95, cy + s * 0.7], fill=main)
        pts = [
            (
                cx - s * 0.85 + i * s * 0.2,
                cy + s * 0.1 - s * 0.35 * math.sin(i * 0.7 + angle) - i * s * 0.03,
            )
            for i in range(11)
        ]
        d.line(pts, fill=accent, width=lw * 2)
        for i in range(5):
            hh = s * (0.15 + 0.1 * ((i * 7 + int(angle * 10)) % 5))
            d.rectangle(
                [
                    cx - s * 0.8 + i * s * 0.4,
                    cy + s * 0.62 - hh,
                    cx - s * 0.6 + i * s * 0.4,
                    cy + s * 0.62,
                ],
                fill=light,
            )
        d.rectangle([cx - s * 0.15, cy + s * 0.8, cx + s * 0.15, cy + s * 1.05], fill=(30, 34, 42))
        d.rectangle([cx - s * 0.55, cy + s * 1.05, cx + s * 0.55, cy + s * 1.12], fill=(30, 34, 42))
    elif shape == "motor":
        d.rounded_rectangle(
            [cx - s * 1.0, cy - s * 0.65, cx + s * 0.8, cy + s * 0.65],
            radius=s * 0.2,
            fill=main,
            outline=dark,
            width=lw,
        )
        for i in range(9):
            x = cx - s * 0.8 + i * s * 0.18
            d.rectangle([x, cy - s * 0.75, x + s * 0.08, cy + s * 0.75], fill=dark)
        d.rectangle(
            [cx + s * 0.8, cy - s * 0.12, cx + s * 1.35, cy + s * 0.12], fill=(190, 195, 205)
        )
        d.rectangle([cx - s * 0.45, cy - s * 1.0, cx + s * 0.15, cy - s * 0.65], fill=light)
        d.rectangle([cx - s * 0.8, cy + s * 0.65, cx + s * 0.6, cy + s * 0.85], fill=dark)
        d.ellipse([cx - s * 0.3, cy - s * 0.92, cx - s * 0.15, cy - s * 0.77], fill=accent)
    elif shape == "beam":
        for k in range(3):
            oy = cy - s * 0.7 + k * s * 0.6
            ox = cx - s * 1.3 + k * s * 0.15
            ln = s * 2.4
            d.rectangle([ox, oy, ox + ln, oy + s * 0.08], fill=light)
            d.rectangle([ox, oy + s * 0.36, ox + ln, oy + s * 0.44], fill=light)
            d.rectangle([ox, oy + s * 0.08, ox + ln, oy + s * 0.36], fill=main if k != 1 else dark)
            d.polygon(
                [
                    (ox + ln, oy),
                    (ox + ln + s * 0.18, oy - s * 0.1),
                    (ox + ln + s * 0.18, oy + s * 0.34),
                    (ox + ln, oy + s * 0.44),
                ],
                fill=accent,
            )
    elif shape == "wheel":
        d.ellipse([cx - s, cy - s, cx + s, cy + s], fill=dark)
        d.ellipse([cx - s * 0.9, cy - s * 0.9, cx + s * 0.9, cy + s * 0.9], fill=light)
        d.ellipse([cx - s * 0.82, cy - s * 0.82, cx + s * 0.82, cy + s * 0.82], fill=main)
        for i in range(6):
            a = angle + i * math.pi / 3
            hx, hy = cx + s * 0.5 * math.cos(a), cy + s * 0.5 * math.sin(a)
            d.ellipse([hx - s * 0.12, hy - s * 0.12, hx + s * 0.12, hy + s * 0.12], fill=dark)
        d.ellipse([cx - s * 0.28, cy - s * 0.28, cx + s * 0.28, cy + s * 0.28], fill=light)
        d.ellipse([cx - s * 0.12, cy - s * 0.12, cx + s * 0.12, cy + s * 0.12], fill=(30, 30, 36))
        d.rectangle([cx - s * 1.6, cy + s * 0.98, cx + s * 1.6, cy + s * 1.1], fill=accent)
    elif shape == "drill":
        for k in range(3):
            ox = cx - s * 1.0 + k * s * 0.9
            d.rectangle(
                [ox - s * 0.12, cy - s * 1.0, ox + s * 0.12, cy - s * 0.3], fill=(180, 186, 196)
            )
            pts = []
            for t in range(14):
                y = cy - s * 0.3 + t * s * 0.08
                pts.append((ox + (s * 0.16 if t % 2 else -s * 0.16), y))
            d.line(pts, fill=main, width=int(s * 0.16))
            d.polygon(
                [
                    (ox - s * 0.16, cy + s * 0.75),
                    (ox + s * 0.16, cy + s * 0.75),
                    (ox, cy + s * 1.0),
                ],
                fill=accent,
            )
    elif shape == "granules":
        d.polygon(
            [
                (cx - s * 1.5, cy + s * 0.9),
                (cx + s * 1.5, cy + s * 0.9),
                (cx + s * 0.2, cy - s * 0.6),
                (cx - s * 0.3, cy - s * 0.65),
            ],
            fill=mix(main, (0, 0, 0), 0.15),
        )
        for _ in range(70):
            t = rng.random()
            y = cy + s * 0.9 - t * s * 1.5
            half = s * 1.5 * (1 - t) + s * 0.2
            x = cx + rng.uniform(-half, half)
            r = s * rng.uniform(0.05, 0.09)
            d.ellipse(
                [x - r, y - r * 0.8, x + r, y + r * 0.8],
                fill=rng.choice([light, white, main]),
                outline=dark,
            )
    elif shape == "can":
        for k, (ox, sc) in enumerate(((cx - s * 0.55, 1.0), (cx + s * 0.65, 0.78))):
            w, h = s * 0.55 * sc, s * 0.8 * sc
            oy = cy + s * 0.2 + (s * 0.2 if k else 0)
            d.rectangle([ox - w, oy - h, ox + w, oy + h], fill=main if k == 0 else accent)
            d.ellipse(
                [ox - w, oy + h - w * 0.3, ox + w, oy + h + w * 0.3],
                fill=main if k == 0 else accent,
            )
            d.rectangle([ox - w, oy - h * 0.3, ox + w, oy + h * 0.4], fill=white)
            d.rectangle([ox - w * 0.7, oy - h * 0.15, ox + w * 0.7, oy + h * 0.1], fill=dark)
            d.ellipse(
                [ox - w, oy - h - w * 0.3, ox + w, oy - h + w * 0.3],
                fill=light,
                outline=dark,
                width=lw,
            )
        d.arc(
            [cx - s * 1.0, cy - s * 1.2, cx - s * 0.1, cy - s * 0.2], 180, 360, fill=dark, width=lw
        )
    elif shape == "flask":
        d.polygon(
            [
                (cx - s * 0.25, cy - s * 1.0),
                (cx + s * 0.25, cy - s * 1.0),
                (cx + s * 0.25, cy - s * 0.35),
                (cx + s * 0.85, cy + s * 0.9),
                (cx - s * 0.85, cy + s * 0.9),
                (cx - s * 0.25, cy - s * 0.35),
            ],
            fill=(235, 242, 250),
            outline=dark,
        )
        d.polygon(
            [
                (cx - s * 0.55, cy + s * 0.3),
                (cx + s * 0.55, cy + s * 0.3),
                (cx + s * 0.85, cy + s * 0.9),
                (cx - s * 0.85, cy + s * 0.9),
            ],
            fill=main,
        )
        d.rectangle([cx - s * 0.32, cy - s * 1.12, cx + s * 0.32, cy - s * 0.98], fill=dark)
        for _ in range(5):
            bx, by = cx + rng.uniform(-s * 0.4, s * 0.4), cy + rng.uniform(s * 0.4, s * 0.8)
            r = s * rng.uniform(0.03, 0.07)
            d.ellipse([bx - r, by - r, bx + r, by + r], fill=light)
        # a small molecule beside the flask
        ax, ay = cx + s * 1.3, cy - s * 0.3
        atoms = [
            (ax, ay),
            (ax + s * 0.35, ay - s * 0.25),
            (ax + s * 0.35, ay + s * 0.3),
            (ax - s * 0.1, ay + s * 0.45),
            (ax + s * 0.7, ay - s * 0.05),
        ]
        for p, q in ((0, 1), (0, 2), (0, 3), (1, 4), (2, 4)):
            d.line([atoms[p], atoms[q]], fill=white, width=lw)
        for i, (x, y) in enumerate(atoms):
            r = s * (0.14 if i == 0 else 0.1)
            d.ellipse([x - r, y - r, x + r, y + r], fill=accent if i % 2 else light, outline=dark)
    elif shape == "windmill":
        d.polygon(
            [
                (cx - s * 0.07, cy - s * 0.55),
                (cx + s * 0.07, cy - s * 0.55),
                (cx + s * 0.14, cy + s * 1.1),
                (cx - s * 0.14, cy + s * 1.1),
            ],
            fill=white,
        )
        hx, hy = cx, cy - s * 0.6
        for i in range(3):
            a = angle + i * 2 * math.pi / 3
            tip = (hx + s * 1.05 * math.cos(a), hy + s * 1.05 * math.sin(a))
            side = (hx + s * 0.25 * math.cos(a + 0.35), hy + s * 0.25 * math.sin(a + 0.35))
            d.polygon([(hx, hy), side, tip], fill=light)
        d.ellipse([hx - s * 0.1, hy - s * 0.1, hx + s * 0.1, hy + s * 0.1], fill=accent)
    else:  # flange: a round part with bolt holes
        d.ellipse([cx - s, cy - s, cx + s, cy + s], fill=main, outline=dark, width=lw)
        d.ellipse(
            [cx - s * 0.55, cy - s * 0.55, cx + s * 0.55, cy + s * 0.55],
            fill=light,
            outline=dark,
            width=lw,
        )
        d.ellipse([cx - s * 0.3, cy - s * 0.3, cx + s * 0.3, cy + s * 0.3], fill=(30, 30, 36))
        n = rng.choice([6, 8, 10])
        for i in range(n):
            a = angle + 2 * math.pi * i / n
            hx, hy = cx + s * 0.78 * math.cos(a), cy + s * 0.78 * math.sin(a)
            d.ellipse(
                [hx - s * 0.07, hy - s * 0.07, hx + s * 0.07, hy + s * 0.07], fill=(30, 30, 36)
            )
        d.arc(
            [cx - s * 0.9, cy - s * 0.9, cx + s * 0.9, cy + s * 0.9],
            200,
            260,
            fill=accent,
            width=lw * 2,
        )


# ----------------------------------------------------------------------------- pictures


def stand_hue(stand_slug: str, index: dict[str, float]) -> float:
    return index.get(stand_slug, (seed_of(stand_slug) % 1000) / 1000)


def product_image(path: Path, stand: dict, product: dict, n: int, hue: float) -> None:
    w, h = 800, 500
    rng = random.Random(seed_of(stand["slug"], product["slug"], str(n)))
    shape = shape_for(product, stand.get("industries", []), stand["slug"])
    h0 = hue + rng.uniform(-0.04, 0.04) + (0.5 if n == 3 else 0)
    dark_bg = n % 2 == 1
    if dark_bg:
        top, bottom = hsv(h0, 0.55, 0.42), hsv(h0 + 0.08, 0.75, 0.16)
    else:
        top, bottom = hsv(h0, 0.10, 0.97), hsv(h0 + 0.05, 0.28, 0.80)
    W, H = w * SS, h * SS
    img = gradient(W, H, top, bottom, diagonal=rng.uniform(0.15, 0.55))
    d = ImageDraw.Draw(img)
    # a soft spotlight and a floor shadow
    glow = Image.new("L", (W, H), 0)
    gd = ImageDraw.Draw(glow)
    cx = W * (0.62 if n != 2 else 0.5) + rng.uniform(-40, 40) * SS
    cy = H * 0.40
    gd.ellipse(
        [cx - W * 0.32, cy - H * 0.45, cx + W * 0.32, cy + H * 0.45], fill=70 if dark_bg else 90
    )
    glow = glow.filter(ImageFilter.GaussianBlur(60 * SS))
    img = Image.composite(Image.new("RGB", (W, H), (255, 255, 255)), img, glow)
    d = ImageDraw.Draw(img)
    s = H * rng.uniform(0.24, 0.28)
    shadow = Image.new("L", (W, H), 0)
    ImageDraw.Draw(shadow).ellipse(
        [cx - s * 1.5, cy + s * 1.05, cx + s * 1.5, cy + s * 1.35], fill=110
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(12 * SS))
    img = Image.composite(Image.new("RGB", (W, H), (20, 22, 28)), img, shadow)
    d = ImageDraw.Draw(img)
    main = hsv(h0 + 0.02, 0.65, 0.80)
    accent = hsv(h0 + 0.45 + rng.uniform(-0.05, 0.05), 0.80, 0.95)
    draw_shape(d, shape, cx, cy, s, main, accent, rng, angle=rng.uniform(0, math.pi))
    # caption band
    band_h = 118 * SS
    band = Image.new("RGB", (W, band_h), (12, 16, 24))
    img.paste(Image.blend(img.crop((0, H - band_h, W, H)), band, 0.72), (0, H - band_h))
    d = ImageDraw.Draw(img)
    name_en, name_ru = product["name"]["en"], product["name"]["ru"]
    f1 = fit_text(d, name_en, W - 80 * SS, 34 * SS)
    d.text((36 * SS, H - band_h + 18 * SS), name_en, font=f1, fill=(255, 255, 255))
    f2 = fit_text(d, name_ru, W - 80 * SS, 24 * SS, bold=False)
    d.text((36 * SS, H - band_h + 66 * SS), name_ru, font=f2, fill=(200, 210, 225))
    tag = stand["name"]["en"]
    ft = fit_text(d, tag, W // 2, 20 * SS, bold=True)
    d.text(
        (30 * SS, 24 * SS), tag, font=ft, fill=(255, 255, 255) if dark_bg else hsv(h0, 0.6, 0.35)
    )
    img = img.resize((w, h), Image.LANCZOS)
    save_jpeg(img, path, 40_000)


def save_jpeg(img: Image.Image, path: Path, limit: int, quality: int = 70) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        img.save(path, "JPEG", quality=quality, optimize=True, progressive=True)
        if path.stat().st_size < limit or quality <= 35:
            return
        quality -= 8


def initials(name: str) -> str:
    skip = {"of", "and", "the", "for", "&", "gmbh", "inc.", "inc", "co.", "ltd", "llc", "ag", "jsc"}
    words = [w for w in name.replace("-", " ").split() if w.lower() not in skip]
    letters = "".join(w[0] for w in words if w[0].isalnum()).upper()
    return letters[:3] if len(letters) > 1 else (name[:2].upper())


def logo(path: Path, stand: dict, hue: float) -> None:
    S = 256 * SS
    rng = random.Random(seed_of(stand["slug"], "logo"))
    sat = rng.choice([0.55, 0.7, 0.85])
    val = rng.choice([0.55, 0.68, 0.8])
    bg = hsv(hue, sat, val)
    img = Image.new("RGB", (S, S), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([8 * SS, 8 * SS, S - 8 * SS, S - 8 * SS], radius=44 * SS, fill=bg)
    tint = mix(bg, (255, 255, 255), 0.3)
    c = S / 2
    mark = rng.choice(["circle", "hexagon", "triangle", "diamond", "stripes", "ring", "arc"])
    if mark == "circle":
        d.ellipse([c - 80 * SS, c - 80 * SS, c + 80 * SS, c + 80 * SS], fill=tint)
    elif mark == "hexagon":
        d.polygon(_poly(c, c, 92 * SS, 6, math.pi / 6), fill=tint)
    elif mark == "triangle":
        d.polygon(_poly(c, c + 12 * SS, 100 * SS, 3, -math.pi / 2), fill=tint)
    elif mark == "diamond":
        d.polygon(_poly(c, c, 98 * SS, 4), fill=tint)
    elif mark == "stripes":
        for i in range(3):
            y = 50 * SS + i * 26 * SS
            d.rounded_rectangle([40 * SS, y, S - 40 * SS, y + 14 * SS], radius=7 * SS, fill=tint)
    elif mark == "ring":
        d.ellipse([c - 92 * SS, c - 92 * SS, c + 92 * SS, c + 92 * SS], outline=tint, width=16 * SS)
    else:
        d.arc(
            [c - 96 * SS, c - 96 * SS, c + 96 * SS, c + 96 * SS], 200, 340, fill=tint, width=18 * SS
        )
        d.arc(
            [c - 70 * SS, c - 70 * SS, c + 70 * SS, c + 70 * SS], 20, 160, fill=tint, width=12 * SS
        )
    text = initials(stand["name"]["en"])
    f = fit_text(d, text, int(S * 0.66), 104 * SS)
    box = d.textbbox((0, 0), text, font=f)
    tx = (S - (box[2] - box[0])) / 2 - box[0]
    ty = (S - (box[3] - box[1])) / 2 - box[1] + (14 * SS if mark == "stripes" else 0)
    d.text((tx + 3 * SS, ty + 3 * SS), text, font=f, fill=mix(bg, (0, 0, 0), 0.45))
    d.text((tx, ty), text, font=f, fill=(255, 255, 255))
    img = img.resize((256, 256), Image.LANCZOS).quantize(colors=48, method=Image.Quantize.MEDIANCUT)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "PNG", optimize=True)


def banner(path: Path, pavilion: dict, stands: list[dict], hue: float) -> None:
    w, h = 1600, 400
    W, H = w * SS, h * SS
    rng = random.Random(seed_of(pavilion["slug"], "banner"))
    img = gradient(W, H, hsv(hue, 0.7, 0.5), hsv(hue + 0.12, 0.8, 0.18), diagonal=0.8)
    d = ImageDraw.Draw(img)
    # an industrial skyline along the bottom
    x = W * 0.42
    sil = hsv(hue + 0.1, 0.6, 0.12)
    while x < W:
        kind = rng.choice(["hall", "hall", "stack", "tank", "crane"])
        if kind == "hall":
            bw, bh = rng.uniform(120, 260) * SS, rng.uniform(60, 130) * SS
            d.rectangle([x, H - bh, x + bw, H], fill=sil)
            for k in range(int(bw // (40 * SS))):
                d.polygon(
                    [
                        (x + k * 40 * SS, H - bh),
                        (x + k * 40 * SS + 40 * SS, H - bh - 22 * SS),
                        (x + k * 40 * SS + 40 * SS, H - bh),
                    ],
                    fill=sil,
                )
            x += bw
        elif kind == "stack":
            sh = rng.uniform(160, 260) * SS
            d.rectangle([x + 10 * SS, H - sh, x + 34 * SS, H], fill=sil)
            d.rectangle(
                [x + 10 * SS, H - sh + 20 * SS, x + 34 * SS, H - sh + 30 * SS],
                fill=hsv(hue + 0.5, 0.6, 0.7),
            )
            x += 50 * SS
        elif kind == "tank":
            r = rng.uniform(40, 70) * SS
            d.rectangle([x, H - r * 1.6, x + 2 * r, H], fill=sil)
            d.ellipse([x, H - r * 1.6 - r * 0.4, x + 2 * r, H - r * 1.6 + r * 0.4], fill=sil)
            x += 2 * r + 10 * SS
        else:
            ch = rng.uniform(200, 280) * SS
            d.rectangle([x + 20 * SS, H - ch, x + 32 * SS, H], fill=sil)
            d.rectangle([x - 60 * SS, H - ch, x + 150 * SS, H - ch + 10 * SS], fill=sil)
            d.line([x + 120 * SS, H - ch, x + 120 * SS, H - ch + 80 * SS], fill=sil, width=3 * SS)
            x += 170 * SS
    # accent line and text
    d.rectangle([64 * SS, 70 * SS, 72 * SS, 300 * SS], fill=hsv(hue + 0.5, 0.7, 0.95))
    name_ru, name_en = pavilion["name"]["ru"], pavilion["name"]["en"]
    f1 = fit_text(d, name_en, int(W * 0.55), 64 * SS)
    d.text((96 * SS, 70 * SS), name_en, font=f1, fill=(255, 255, 255))
    f2 = fit_text(d, name_ru, int(W * 0.55), 40 * SS, bold=False)
    d.text((96 * SS, 160 * SS), name_ru, font=f2, fill=(220, 228, 240))
    city = pavilion.get("city", {})
    line = f"{city.get('en', '')} · {len(stands)} stands · {FORUM}" if city else FORUM
    d.text(
        (96 * SS, 226 * SS),
        line,
        font=fit_text(d, line, int(W * 0.55), 24 * SS, bold=False),
        fill=(200, 210, 225),
    )
    d.text(
        (96 * SS, 262 * SS),
        FORUM_RU,
        font=fit_text(d, FORUM_RU, int(W * 0.55), 22 * SS, bold=False),
        fill=(170, 182, 200),
    )
    img = img.resize((w, h), Image.LANCZOS)
    save_jpeg(img, path, 80_000, quality=72)


# ----------------------------------------------------------------------------- PDF datasheets

_PDF_FALLBACK = {
    "≤": "<=",
    "≥": ">=",
    "−": "-",
    "≈": "~",
    "…": "...",
    "Ω": "Ohm",
    "√": "sqrt",
    "→": "->",
    "λ": "lambda",
    "Δ": "delta",
    "∅": "dia.",
    "\u2011": "-",
    "\u2009": " ",
    "\u202f": " ",
}


def _pdf_str(text: str) -> str:
    """A PDF literal string in WinAnsiEncoding (Latin only), escaped and ASCII-safe."""
    out = []
    for ch in text:
        ch = _PDF_FALLBACK.get(ch, ch)
        try:
            data = ch.encode("cp1252")
        except UnicodeEncodeError:
            data = b"?"
        for byte in data:
            c = chr(byte)
            if c in "()\\":
                out.append("\\" + c)
            elif 32 <= byte < 127:
                out.append(c)
            else:
                out.append(f"\\{byte:03o}")
    return "(" + "".join(out) + ")"


def datasheet(path: Path, stand: dict, product: dict, hue: float) -> None:
    r, g, b = (v / 255 for v in hsv(hue, 0.65, 0.55))
    ops: list[str] = []

    def text(
        x: float, y: float, size: float, s: str, bold: bool = False, grey: float = 0.0
    ) -> None:
        ops.append(
            f"BT /{'F2' if bold else 'F1'} {size} Tf {grey:.2f} g "
            f"{x:.1f} {y:.1f} Td {_pdf_str(s)} Tj ET"
        )

    ops.append(f"{r:.3f} {g:.3f} {b:.3f} rg 0 762 595 80 re f")
    text(50, 808, 11, stand["name"]["en"].upper(), bold=True, grey=1)
    text(50, 782, 20, product["name"]["en"], bold=True, grey=1)
    text(50, 735, 12, "Datasheet", bold=True)
    y = 712
    for line in textwrap.wrap(product["description"]["en"], 92):
        text(50, y, 10, line)
        y -= 14
    y -= 12
    text(50, y, 12, "Specifications", bold=True)
    y -= 8
    ops.append(f"{r:.3f} {g:.3f} {b:.3f} RG 1 w 50 {y:.1f} m 545 {y:.1f} l S")
    y -= 18
    for i, spec in enumerate(product.get("specs", [])):
        if i % 2 == 0:
            ops.append(f"0.94 0.95 0.97 rg 50 {y - 5:.1f} 495 18 re f")
        text(56, y, 10, spec["name"]["en"], grey=0.25)
        text(330, y, 10, spec["value"], bold=True)
        y -= 18
    y -= 20
    contacts = stand.get("contacts", {})
    for line in (
        stand.get("website", ""),
        contacts.get("email", ""),
        contacts.get("phone", ""),
        contacts.get("address", {}).get("en", ""),
    ):
        if line:
            text(50, y, 10, line, grey=0.2)
            y -= 14
    text(
        50,
        40,
        8,
        f"Demo content for the {FORUM}. The company and its products are fictional.",
        grey=0.45,
    )
    content = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        (
            "<< /Title "
            + _pdf_str(product["name"]["en"] + " - datasheet")
            + " /Author "
            + _pdf_str(stand["name"]["en"])
            + " /Producer (Pavilion make_demo_media.py) >>"
        ).encode("latin-1"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(out))


# ----------------------------------------------------------------------------- video clips


def video(path: Path, stand: dict, product: dict, hue: float, seconds: float = 3.0) -> None:
    import av  # imported here: only the clips need it

    w, h, fps = 640, 360, 24
    frames = int(seconds * fps)
    shape = shape_for(product, stand.get("industries", []), stand["slug"])
    path.parent.mkdir(parents=True, exist_ok=True)
    container = av.open(str(path), mode="w", options={"movflags": "+faststart"})
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
    stream.options = {"crf": "30", "preset": "medium", "tune": "animation"}
    title, subtitle = product["name"]["en"], product["name"]["ru"]
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    f1 = fit_text(probe, title, w - 80, 30)
    f2 = fit_text(probe, subtitle, w - 80, 20, bold=False)
    f3 = font(16, bold=False)
    for i in range(frames):
        t = i / frames
        top = hsv(hue + 0.08 * math.sin(2 * math.pi * t), 0.6, 0.5)
        bottom = hsv(hue + 0.15 + 0.08 * math.cos(2 * math.pi * t), 0.8, 0.16)
        img = gradient(w, h, top, bottom, diagonal=0.3 + 0.4 * t)
        d = ImageDraw.Draw(img)
        rng = random.Random(seed_of(stand["slug"], product["slug"], "video"))
        draw_shape(
            d,
            shape,
            w * 0.74,
            h * 0.34,
            h * 0.2,
            hsv(hue + 0.02, 0.6, 0.85),
            hsv(hue + 0.5, 0.8, 0.95),
            rng,
            angle=2 * math.pi * t / 3,
        )
        x = -600 + min(1.0, t * 2.2) * 640  # the title slides in from the left, then rests
        d.text((x, h * 0.66), title, font=f1, fill=(255, 255, 255))
        d.text((x + 2, h * 0.66 + 40), subtitle, font=f2, fill=(215, 225, 240))
        label = stand["name"]["en"]
        d.text((24, 20), label, font=f3, fill=(255, 255, 255))
        d.rectangle([24, h - 18, 24 + (w - 48) * t, h - 14], fill=hsv(hue + 0.5, 0.7, 0.95))
        for packet in stream.encode(av.VideoFrame.from_image(img)):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()


# ----------------------------------------------------------------------------- driver


def load_packs(only: list[str]) -> list[tuple[Path, dict, list[dict]]]:
    packs = []
    for pav_file in sorted(ROOT.glob("*/pavilion.yaml")):
        folder = pav_file.parent
        if only and folder.name not in only:
            continue
        pavilion = yaml.safe_load(pav_file.read_text(encoding="utf-8"))
        stands = [
            yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted((folder / "stands").glob("*.yaml"))
        ]
        packs.append((folder, pavilion, stands))
    return packs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("packs", nargs="*", help="pack folder names (default: every pack)")
    ap.add_argument("--missing", action="store_true", help="only draw files that do not exist yet")
    args = ap.parse_args(argv)

    all_packs = load_packs([])
    # Spread the hues over every stand of every pack so that no two neighbours look alike.
    golden = 0.6180339887
    slugs = [s["slug"] for _, _, stands in all_packs for s in stands]
    hues = {slug: (i * golden) % 1.0 for i, slug in enumerate(slugs)}
    pav_hues = {p["slug"]: (i * golden + 0.3) % 1.0 for i, (_, p, _) in enumerate(all_packs)}

    made = 0
    for folder, pavilion, stands in all_packs:
        if args.packs and folder.name not in args.packs:
            continue
        # (file relative to the pack, function drawing it given its path)
        jobs: list[tuple[str, Callable[[Path], None]]] = []
        if pavilion.get("banner"):
            draw = partial(banner, pavilion=pavilion, stands=stands, hue=pav_hues[pavilion["slug"]])
            jobs.append((pavilion["banner"], draw))
        for stand in stands:
            hue = hues[stand["slug"]]
            if stand.get("logo"):
                jobs.append((stand["logo"], partial(logo, stand=stand, hue=hue)))
            for product in stand.get("products", []):
                kw = {"stand": stand, "product": product, "hue": hue}
                for n, rel in enumerate(product.get("images", []), start=1):
                    jobs.append((rel, partial(product_image, n=n, **kw)))
                for doc in product.get("documents", []):
                    jobs.append((doc["file"], partial(datasheet, **kw)))
                for clip in product.get("videos", []):
                    if clip.get("file"):
                        jobs.append((clip["file"], partial(video, **kw)))
        for rel, draw in jobs:
            path = folder / rel
            if args.missing and path.exists():
                continue
            draw(path)
            made += 1
        print(f"{folder.name}: {len(jobs)} media files", file=sys.stderr)
    print(f"{made} files written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
