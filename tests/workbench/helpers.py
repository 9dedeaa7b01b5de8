"""Small input files for the import tests."""
from __future__ import annotations

import csv
from pathlib import Path

HEADER = ["review", "film", "when", "score"]
GOOD_ROWS = [
    ["A wonderful, moving film. Loved it.", "tt0109830", "2024-03-01", "9"],
    ["Boring and dull, a waste of time.", "Forrest Gump", "2024-03-02T10:00:00", "2"],
    ["Great fun with a superb cast.", "A Star Is Born (1954)", "", ""],
]
BAD_ROWS = [
    ["meh", "tt0109830", "", ""],                                  # too short
    ["A great film nobody has heard of.", "tt9999999", "", ""],      # not in the catalogue
    ["A great film, but which one?", "A Star Is Born", "", ""],      # ambiguous title
    ["Great, on a day that never was.", "tt0109830", "2024-13-45", ""],
    ["Great, with too many stars.", "tt0109830", "", "11"],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_acl_folder(root: Path) -> Path:
    """aclImdb layout: test/{pos,neg}/<id>_<stars>.txt with urls_{pos,neg}.txt."""
    split = root / "aclImdb" / "test"
    for label, texts in {"pos": ["A great film.<br /><br />Loved it.", "Superb and moving."],
                         "neg": ["Awful, boring mess.", "x"]}.items():
        (split / label).mkdir(parents=True)
        for n, text in enumerate(texts):
            (split / label / f"{n}_{8 if label == 'pos' else 2}.txt").write_text(text)
        urls = ["http://www.imdb.com/title/tt0109830/usercomments", "http://www.imdb.com/title/tt0047522/usercomments"]
        (split / f"urls_{label}.txt").write_text("\n".join(urls) + "\n")
    return root / "aclImdb"
