"""Many generated users with small photos of their own, for audits and benchmarks.

Deterministic from a seed: ``extra_users(2000, seed=1)`` always gives the same users, photos
and states. About 60 % are in sync, 25 % stale, 8 % without a SharePoint copy (the placeholder)
and 7 % without any photo.
"""

from __future__ import annotations

import hashlib
import random

from PIL import Image, ImageDraw

from .options import SimUser
from .photos import encode_jpeg

STATES = ("insync", "stale", "nocopy", "nophoto")
WEIGHTS = (60, 25, 8, 7)
SIDE = 128


def extra_upn(number: int, domain: str) -> str:
    return f"user{number:04d}@{domain}"


def small_photo(seed: str) -> bytes:
    """A 128 px colourful JPEG: a random 4×4 grid of light and dark tiles and a disc."""
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    img = Image.new("RGB", (SIDE, SIDE))
    draw = ImageDraw.Draw(img)
    cell = SIDE // 4
    for gy in range(4):
        for gx in range(4):
            lo, hi = (150, 250) if rng.random() < 0.5 else (10, 110)
            fill = (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))
            draw.rectangle((gx * cell, gy * cell, (gx + 1) * cell, (gy + 1) * cell), fill=fill)
    r = rng.randint(18, 40)
    cx, cy = rng.randint(r, SIDE - r), rng.randint(r, SIDE - r)
    hue = (rng.randint(0, 255), rng.randint(0, 80), rng.randint(120, 255))
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=hue)
    return encode_jpeg(img, 85)


def extra_users(count: int, domain: str, password: str, seed: int = 1) -> list[SimUser]:
    """``count`` generated users, their states drawn from ``seed``."""
    rng = random.Random(seed)
    users: list[SimUser] = []
    for number in range(1, count + 1):
        state = rng.choices(STATES, WEIGHTS)[0]
        current = small_photo(f"{seed}:{number}:current")
        record: bytes | None = None if state == "nophoto" else current
        copy = {
            "insync": current,
            "stale": small_photo(f"{seed}:{number}:old"),
            "nocopy": None,
            "nophoto": None,
        }[state]
        users.append(
            SimUser(
                upn=extra_upn(number, domain),
                display_name=f"User {number:04d}",
                password=password,
                photo_of_record=record,
                sharepoint_photo=copy,
                job_title=f"Generated user ({state})",
            )
        )
    return users
