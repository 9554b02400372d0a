"""QR module matrices fast enough to give every document of a pack its own code.

``qrcode.make`` took ~60 ms a code here: it picks the "best" of the eight mask patterns by
encoding nine times, and builds the data codewords and places the modules bit by bit in Python.
This module fixes the mask (any mask is valid — readers must decode all eight, ISO/IEC 18004
§7.8; base32 text is random-like, so no mask is much worse than another), computes the
alphanumeric data and the Reed–Solomon codewords with integers, and places them with one
permutation per version (``qrcode`` is asked once per version for its function patterns): ~0.3 ms
a code. tests/forms check the matrix against ``qrcode``'s, bit for bit, and read codes back with zbarimg.
"""

from __future__ import annotations

from itertools import zip_longest

MASK = 4
ALNUM = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")}
_ALNUM_SET = frozenset(ALNUM)


def _gf_tables() -> tuple[list[int], list[int]]:
    exp, log = [0] * 512, [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x <<= 1
        if x & 0x100:
            x ^= 0x11D
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    return exp, log


_EXP, _LOG = _gf_tables()
_GEN: dict[int, list[int]] = {}


def _generator(n: int) -> list[int]:
    """Reed–Solomon generator polynomial of degree n (coefficients, highest first)."""
    g = _GEN.get(n)
    if g is None:
        g = [1]
        for i in range(n):
            nxt = [0] * (len(g) + 1)
            for j, c in enumerate(g):
                nxt[j] ^= c
                if c:
                    nxt[j + 1] ^= _EXP[_LOG[c] + i]
            g = nxt
        _GEN[n] = g
    return g


_MUL: dict[int, list[int]] = {}


def _products(n: int) -> list[int]:
    """For each byte f, the generator's coefficients (after the leading 1) times f, as one integer."""
    t = _MUL.get(n)
    if t is None:
        logs = [_LOG[c] if c else -1 for c in _generator(n)[1:]]
        t = [0] + [int.from_bytes(bytes(_EXP[lc + _LOG[f]] if lc >= 0 else 0 for lc in logs), "big")
                   for f in range(1, 256)]
        _MUL[n] = t
    return t


def ec_bytes(data: list[int], n: int) -> list[int]:
    """The n error-correction codewords of a data block: polynomial division with the remainder
    held as one integer (a shift and an XOR with a table entry per data byte)."""
    table = _products(n)
    top = 8 * (n - 1)
    keep = (1 << (8 * n)) - 1
    rem = 0
    for d in data:
        rem = ((rem << 8) & keep) ^ table[d ^ (rem >> top)]
    return list(rem.to_bytes(n, "big"))


def _pair_bits() -> dict[str, str]:
    """Every pair of alphanumeric characters as its 11 bits, and every single one as its 6."""
    out = {a + b: format(ALNUM[a] * 45 + ALNUM[b], "011b") for a in ALNUM for b in ALNUM}
    out.update({a: format(i, "06b") for a, i in ALNUM.items()})
    return out


_PAIRS = _pair_bits()


def codewords(text: str, version: int, error_correction: int) -> list[int] | None:
    """Data + error-correction codewords, interleaved, of ``text`` in alphanumeric mode (what
    ``qrcode.util.create_data`` gives); None when the text does not fit the version.

    The data bits are joined as one '0'/'1' string from a table of character pairs and turned into
    bytes once: shifting a growing integer for each pair cost most of a code's time."""
    blocks = _blocks(version, error_correction)
    limit = sum(b.data_count for b in blocks) * 8
    count_bits = 9 if version < 10 else 11 if version < 27 else 13
    pairs = _PAIRS
    bits = "0010" + format(len(text), f"0{count_bits}b") + "".join(
        [pairs[text[i:i + 2]] for i in range(0, len(text), 2)])
    n = len(bits)
    if n > limit:
        return None
    n += min(limit - n, 4)
    n += -n % 8
    raw = list((int(bits, 2) << (n - len(bits))).to_bytes(n // 8, "big"))
    raw += [0xEC if i % 2 == 0 else 0x11 for i in range((limit - n) // 8)]
    dc, ec, off = [], [], 0
    for b in blocks:
        chunk = raw[off:off + b.data_count]
        off += b.data_count
        dc.append(chunk)
        ec.append(ec_bytes(chunk, b.total_count - b.data_count))
    return _interleave(dc) + _interleave(ec)


def _interleave(blocks: list[list[int]]) -> list[int]:
    """Column by column across the blocks (the longer blocks' last codewords come last)."""
    return [c for column in zip_longest(*blocks) for c in column if c is not None]


_BLOCKS: dict[tuple[int, int], list] = {}


def _blocks(version: int, error_correction: int) -> list:
    """``qrcode``'s Reed–Solomon block table of a version (asked once; it builds it on every call)."""
    hit = _BLOCKS.get((version, error_correction))
    if hit is None:
        from qrcode import base

        hit = _BLOCKS[(version, error_correction)] = base.rs_blocks(version, error_correction)
    return hit


_VERSIONS: dict[int, int] = {}


def version_for(length: int, error_correction: int) -> int:
    """The smallest version that holds ``length`` alphanumeric characters (cached per length)."""
    hit = _VERSIONS.get(length * 4 + error_correction)
    if hit is not None:
        return hit
    for version in range(1, 41):
        count_bits = 9 if version < 10 else 11 if version < 27 else 13
        need = 4 + count_bits + 11 * (length // 2) + 6 * (length % 2)
        if need <= sum(b.data_count for b in _blocks(version, error_correction)) * 8:
            _VERSIONS[length * 4 + error_correction] = version
            return version
    raise ValueError("text too long for a QR code")


_LAYOUTS: dict[int, tuple] = {}


def _layout(version: int):
    """Per version, once: the data module count, the mask bits in placement order as an int, the
    function-pattern cells as a '0'/'1' string, and a permutation that scatters both into rows."""
    hit = _LAYOUTS.get(version)
    if hit is not None:
        return hit
    import operator

    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    probe = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M, border=0, mask_pattern=MASK)
    captured: dict = {}

    def grab(data, mask_pattern):  # the modules as they are just before the data goes in
        captured["m"] = [row[:] for row in probe.modules]

    probe.map_data = grab
    probe.data_cache = [0]
    probe.makeImpl(False, MASK)
    m = captured["m"]
    n = len(m)
    order: list[tuple[int, int, bool]] = []
    up, col = True, n - 1
    while col > 0:  # the standard zigzag, two columns at a time, skipping the timing column
        if col == 6:
            col -= 1
        for r in (range(n - 1, -1, -1) if up else range(n)):
            for c in (col, col - 1):
                if m[r][c] is None:
                    order.append((r, c, (r // 2 + c // 3) % 2 == 0))
        up = not up
        col -= 2
    slot = {(r, c): k for k, (r, c, _inv) in enumerate(order)}
    fixed = "".join("1" if m[r][c] else "0" for r in range(n) for c in range(n) if (r, c) not in slot)
    perm, f = [], len(order)
    for r in range(n):
        for c in range(n):
            if (r, c) in slot:
                perm.append(slot[(r, c)])
            else:
                perm.append(f)
                f += 1
    mask = 0
    for _r, _c, inv in order:
        mask = (mask << 1) | inv
    hit = _LAYOUTS[version] = (n, len(order), mask, fixed, operator.itemgetter(*perm))
    return hit


def rows(text: str) -> list[str]:
    """The QR's rows as '0'/'1' strings (error correction M, alphanumeric, fixed mask, no quiet
    zone): data bits XOR mask as one integer, scattered into place by one itemgetter."""
    from qrcode.constants import ERROR_CORRECT_M

    if not set(text) <= _ALNUM_SET:
        return ["".join("1" if x else "0" for x in row) for row in _library_matrix(text)]
    version = version_for(len(text), ERROR_CORRECT_M)
    data = codewords(text, version, ERROR_CORRECT_M)
    n, slots, mask, fixed, scatter = _layout(version)
    bits = int.from_bytes(bytes(data), "big") << (slots - 8 * len(data))  # remainder bits are 0
    flat = "".join(scatter(format(bits ^ mask, f"0{slots}b") + fixed))
    return [flat[i:i + n] for i in range(0, n * n, n)]


def _library_matrix(text: str) -> list[list[bool]]:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=MASK)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.get_matrix()


def matrix(text: str) -> list[list[bool]]:
    """Module matrix (error correction M, alphanumeric mode, fixed mask, no quiet zone)."""
    return [[ch == "1" for ch in row] for row in rows(text)]
