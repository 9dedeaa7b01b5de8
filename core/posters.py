"""Offline posters: a distinctive SVG per movie, drawn deterministically from title, year and genres."""
from __future__ import annotations

import hashlib
import random
import textwrap
from xml.sax.saxutils import escape

# (background, accent) per first genre; anything else falls back to a hash-picked pair
PALETTES = {
    "Action": ("#1d1f2b", "#e4572e"), "Adventure": ("#173f35", "#f2c14e"), "Animation": ("#2b2d6e", "#7bdff2"),
    "Children": ("#3d5a80", "#ffd166"), "Comedy": ("#ffb703", "#023047"), "Crime": ("#111111", "#c1121f"),
    "Documentary": ("#354f52", "#cad2c5"), "Drama": ("#3c1642", "#f4a259"), "Fantasy": ("#240046", "#c77dff"),
    "Film-Noir": ("#0b0b0b", "#d9d9d9"), "Horror": ("#0d0208", "#b5172e"), "Musical": ("#7b2cbf", "#ffdd00"),
    "Mystery": ("#14213d", "#a8dadc"), "Romance": ("#6a040f", "#ffc8dd"), "Sci-Fi": ("#03045e", "#00f5d4"),
    "Thriller": ("#212529", "#ffba08"), "War": ("#3a3a1f", "#c9a227"), "Western": ("#7f4f24", "#ffe8d6"),
    "IMAX": ("#001219", "#94d2bd"),
}
WIDTH, HEIGHT = 300, 450


def poster_svg(title: str, year: int | None, genres: tuple[str, ...]) -> str:
    seed = hashlib.sha256(f"{title}|{year}|{'|'.join(genres)}".encode()).digest()
    rng = random.Random(seed)
    background, accent = PALETTES.get(genres[0] if genres else "", rng.choice(list(PALETTES.values())))
    shapes = [shape(rng, accent) for _ in range(rng.randint(5, 9))]
    lines = textwrap.wrap(title, 16)[:4] or ["Untitled"]
    words = "".join(
        f'<text x="24" y="{300 + 34 * i}" font-size="28" font-weight="700">{escape(line)}</text>'
        for i, line in enumerate(lines))
    footer = escape(" · ".join(filter(None, [str(year) if year else "", ", ".join(genres[:3])])))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
            f'height="{HEIGHT}" role="img" aria-label="Poster: {escape(title, {chr(34): "&quot;"})}">'
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{background}"/>{"".join(shapes)}'
            f'<rect y="270" width="{WIDTH}" height="180" fill="{background}" opacity="0.82"/>'
            f'<g fill="#ffffff" font-family="Georgia, serif">{words}'
            f'<text x="24" y="430" font-size="15" fill="{accent}">{footer}</text></g></svg>')


def shape(rng: random.Random, colour: str) -> str:
    x, y, size = rng.randint(0, WIDTH), rng.randint(0, 300), rng.randint(20, 140)
    opacity = round(rng.uniform(0.15, 0.7), 2)
    if rng.random() < 0.5:
        return f'<circle cx="{x}" cy="{y}" r="{size // 2}" fill="{colour}" opacity="{opacity}"/>'
    angle = rng.randint(0, 89)
    return (f'<rect x="{x - size // 2}" y="{y - size // 2}" width="{size}" height="{size // 3}" fill="{colour}" '
            f'opacity="{opacity}" transform="rotate({angle} {x} {y})"/>')
