"""Make resources/fonts/AuditoriaSans*.ttf: DejaVu Sans cut to the characters the forms print.

Why: QPdfWriter subsets every font it embeds, but it walks the whole font to do so; the full
DejaVu Sans (6,000 glyphs, 760 KB) made that the largest cost of a PDF. The subset keeps Latin,
Latin-1, Latin Extended-A, all of Cyrillic (0400–052F), punctuation, №, arrows, ✔/✘ and ₽:
about 1,000 glyphs, 65 KB. The renderer asks for it first and falls back to the full DejaVu for
anything else (a name in another script), so nothing prints as a box.

Licence: the Bitstream Vera licence lets a modified font be distributed only under a name that
contains neither "Bitstream" nor "Vera"; a subset is a modification, and we name it
"Auditoria Sans" so it is not taken for DejaVu Sans itself either. The copyright, trademark and
licence records of the name table are kept, and a description names the source.

Run (dev dependency fonttools): ``.venv/bin/python tools/subset_fonts.py`` — the output is
deterministic, and tests/forms check that the committed files match the characters listed here.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "resources" / "fonts"
FAMILY = "Auditoria Sans"
PS_FAMILY = "AuditoriaSans"
# (first, last) code points kept; app.forms.render.SUBSET_RANGES must say the same.
RANGES = [(0x20, 0x7E), (0xA0, 0x17F), (0x400, 0x52F), (0x2010, 0x2044), (0x20BD, 0x20BD), (0x2116, 0x2116),
          (0x2190, 0x2193), (0x2212, 0x2212), (0x25A1, 0x25A1), (0x2714, 0x2714), (0x2718, 0x2718)]
PAIRS = [("DejaVuSans.ttf", "AuditoriaSans.ttf", "Book"), ("DejaVuSans-Bold.ttf", "AuditoriaSans-Bold.ttf", "Bold")]


def subset_one(src: Path, dst: Path, style: str) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(src))
    opts = subset.Options()
    opts.layout_features = ["kern", "liga", "ccmp", "locl", "mark", "mkmk"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.hinting = False  # printed at 600 dpi: hints only cost bytes
    opts.drop_tables += ["FFTM"]
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[c for a, b in RANGES for c in range(a, b + 1)])
    sub.subset(font)
    name = font["name"]
    full = f"{FAMILY} Bold" if style == "Bold" else FAMILY
    ps = f"{PS_FAMILY}-Bold" if style == "Bold" else PS_FAMILY
    for rec in list(name.names):
        if rec.nameID in (1, 16):
            rec.string = FAMILY
        elif rec.nameID == 3:
            rec.string = f"{ps}: subset of DejaVu fonts"
        elif rec.nameID == 4:
            rec.string = full
        elif rec.nameID == 6:
            rec.string = ps
    name.setName("A subset of DejaVu Sans (Latin, Cyrillic, punctuation) made by Auditoria's "
                 "tools/subset_fonts.py; renamed as the Bitstream Vera licence requires of modified fonts.",
                 10, 3, 1, 0x409)
    font["head"].modified = font["head"].created  # deterministic output
    font.recalcTimestamp = False
    font.save(str(dst))


def main() -> int:
    for src, dst, style in PAIRS:
        subset_one(FONTS / src, FONTS / dst, style)
        print(f"{dst}: {(FONTS / dst).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
