"""QR module matrices fast enough to give every document of a pack its own code.

``qrcode.make`` took ~60 ms a code here: it picks the "best" of the eight mask patterns by
encoding nine times, and builds the data codewords bit by bit. This module fixes the mask
(any mask is valid — readers must decode all eight, ISO/IEC 18004 §7.8; base32 text is
random-like, so no mask is much worse than another), computes the alphanumeric data and the
Reed–Solomon codewords with integers, and hands them to ``qrcode`` only to place the modules.
tests/forms compare the codewords with ``qrcode.util.create_data`` and read codes back with zbarimg.
"""

from __future__ import annotations

MASK = 4
ALNUM = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")}


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


_MUL: dict[int, list[list[int]]] = {}


def _products(n: int) -> list[list[int]]:
    """For each byte f, the generator's coefficients (after the leading 1) times f."""
    t = _MUL.get(n)
    if t is None:
        logs = [_LOG[c] if c else -1 for c in _generator(n)[1:]]
        t = [[0] * n] + [[_EXP[lc + _LOG[f]] if lc >= 0 else 0 for lc in logs] for f in range(1, 256)]
        _MUL[n] = t
    return t


def ec_bytes(data: list[int], n: int) -> list[int]:
    """The n error-correction codewords of a data block (polynomial division, a table row a byte)."""
    table = _products(n)
    rem = [0] * n
    for d in data:
        row = table[d ^ rem[0]]
        rem = [a ^ b for a, b in zip(rem[1:], row, strict=False)] + [row[-1]]
    return rem


def codewords(text: str, version: int, error_correction: int) -> list[int] | None:
    """Data + error-correction codewords, interleaved, of ``text`` in alphanumeric mode (what
    ``qrcode.util.create_data`` gives); None when the text does not fit the version."""
    from qrcode import base

    blocks = base.rs_blocks(version, error_correction)
    limit = sum(b.data_count for b in blocks) * 8
    count_bits = 9 if version < 10 else 11 if version < 27 else 13
    acc, n = (0b0010 << count_bits) | len(text), 4 + count_bits
    for i in range(0, len(text) - 1, 2):
        acc = (acc << 11) | (ALNUM[text[i]] * 45 + ALNUM[text[i + 1]])
        n += 11
    if len(text) % 2:
        acc = (acc << 6) | ALNUM[text[-1]]
        n += 6
    if n > limit:
        return None
    term = min(limit - n, 4)
    acc, n = acc << term, n + term
    if n % 8:
        acc, n = acc << (8 - n % 8), n + 8 - n % 8
    raw = list(acc.to_bytes(n // 8, "big"))
    raw += [0xEC if i % 2 == 0 else 0x11 for i in range((limit - n) // 8)]
    dc, ec, off = [], [], 0
    for b in blocks:
        chunk = raw[off:off + b.data_count]
        off += b.data_count
        dc.append(chunk)
        ec.append(ec_bytes(chunk, b.total_count - b.data_count))
    out = [blk[i] for i in range(max(map(len, dc))) for blk in dc if i < len(blk)]
    out += [blk[i] for i in range(max(map(len, ec))) for blk in ec if i < len(blk)]
    return out


_ORDERS: dict[tuple[int, int], list[tuple[int, int, bool]]] = {}


def _placement(modules: list[list], mask: int) -> list[tuple[int, int, bool]]:
    """Data module positions in the standard zigzag order, each with its mask bit (mask 4 only)."""
    n = len(modules)
    out = []
    up, col = True, n - 1
    while col > 0:
        if col == 6:
            col -= 1
        for r in (range(n - 1, -1, -1) if up else range(n)):
            for c in (col, col - 1):
                if modules[r][c] is None:
                    out.append((r, c, (r // 2 + c // 3) % 2 == 0))
        up = not up
        col -= 2
    return out


def _fast_qr_class():
    import qrcode

    class FastQR(qrcode.QRCode):
        """Places the codewords along a cached zigzag order instead of bit by bit."""

        def map_data(self, data, mask_pattern):
            if mask_pattern != MASK:
                return super().map_data(data, mask_pattern)
            order = _ORDERS.get((self.version, mask_pattern))
            if order is None:
                order = _ORDERS[(self.version, mask_pattern)] = _placement(self.modules, mask_pattern)
            bits = "".join(f"{b:08b}" for b in data)
            m = self.modules
            for k, (r, c, inv) in enumerate(order):
                m[r][c] = (k < len(bits) and bits[k] == "1") != inv

    return FastQR


_FAST = None


def matrix(text: str) -> list[list[bool]]:
    """Module matrix (error correction M, alphanumeric mode, fixed mask, no quiet zone)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    global _FAST
    if _FAST is None:
        _FAST = _fast_qr_class()
    qr = _FAST(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=MASK)
    qr.add_data(qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM))
    if not set(text) <= set(ALNUM):
        qr.make(fit=True)  # not alphanumeric: let the library choose (never for our payloads)
        return qr.get_matrix()
    from qrcode import base

    for version in range(1, 41):
        count_bits = 9 if version < 10 else 11 if version < 27 else 13
        need = 4 + count_bits + 11 * (len(text) // 2) + 6 * (len(text) % 2)
        if need > sum(b.data_count for b in base.rs_blocks(version, ERROR_CORRECT_M)) * 8:
            continue
        data = codewords(text, version, ERROR_CORRECT_M)
        if data is not None:
            qr.version = version
            qr.data_cache = data
            qr.makeImpl(False, MASK)
            return qr.get_matrix()
    raise ValueError("text too long for a QR code")
