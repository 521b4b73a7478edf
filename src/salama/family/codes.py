"""Invite codes: random, short enough to type, stored only as a hash, and shown as a QR image.

A code is 8 symbols drawn with :mod:`secrets` from a 31-symbol alphabet without look-alikes
(no ``0``/``O``, no ``1``/``I``/``L``): ``8 * log2(31) ≈ 39.6`` bits. It is shown as
``XXXX-XXXX``; :func:`normalize_code` accepts lower case, spaces, any dash (or none), full-width
forms and non-ASCII decimal digits (``٢`` reads as ``2``), and refuses anything else with
InputError ``details["code"] == "invite_malformed"``.

Only :func:`hash_code` of a code is stored: scrypt (n=2**14, r=8, p=1, about 50 ms) of the
canonical code, salted with the tenant id, as 64 hex characters. The hash is deterministic so that
the store can find an invite by it (unique per tenant), and slow so that a leaked database does
not leak live codes: trying all 31**8 codes costs about 8.5e11 scrypt runs, while a code lives 15
minutes. A code in one tenant hashes differently in another.
"""

from __future__ import annotations

import hashlib
import io
import math
import secrets
import unicodedata
from urllib.parse import urlsplit, urlunsplit

import segno

from salama.errors import InputError
from salama.family._common import require_id

__all__ = [
    "ALPHABET",
    "CODE_BITS",
    "CODE_LENGTH",
    "QR_PREFIX",
    "format_code",
    "hash_code",
    "invite_payload",
    "invite_qr_png",
    "new_code",
    "normalize_code",
]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_BITS = CODE_LENGTH * math.log2(len(ALPHABET))
QR_PREFIX = "salama-invite:"
_MAX_INPUT_CHARS = 64  # refuse long input before looking at it
_MAX_URL_CHARS = 500
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_SALT_PREFIX = b"salama-invite/v1\x00"
_ALPHABET_SET = frozenset(ALPHABET)


def new_code() -> str:
    """A fresh random code, formatted ``XXXX-XXXX``."""
    return format_code("".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)))


def normalize_code(text: str) -> str:
    """The canonical form of a typed code: 8 upper-case symbols, no dash.

    Raises InputError (``details["code"] == "invite_malformed"``) for anything that cannot be a
    code: wrong length, a symbol outside :data:`ALPHABET` (``0``, ``O``, ``1``, ``I``, ``L``
    included), or more than 64 characters of input."""
    if not isinstance(text, str) or len(text) > _MAX_INPUT_CHARS:
        raise _malformed()
    out: list[str] = []
    for ch in unicodedata.normalize("NFKC", text):
        if ch.isspace() or unicodedata.category(ch) == "Pd" or ch == "\u2212":
            continue  # spaces and dashes of every kind, the minus sign too
        if ch.isdecimal():
            ch = str(unicodedata.decimal(ch))  # Arabic-Indic and other decimal digits
        if not ch.isascii():
            raise _malformed()
        out.append(ch.upper())
    code = "".join(out)
    if len(code) != CODE_LENGTH or not _ALPHABET_SET.issuperset(code):
        raise _malformed()
    return code


def format_code(code: str) -> str:
    """A code as shown to people: ``XXXX-XXXX``. Raises InputError as :func:`normalize_code`."""
    canonical = normalize_code(code)
    return f"{canonical[:4]}-{canonical[4:]}"


def hash_code(code: str, tenant_id: str) -> str:
    """What the store keeps of a code: 64 hex characters, the same for every spelling of the code
    that :func:`normalize_code` accepts, different in another tenant. Raises InputError for a
    malformed code or tenant id."""
    canonical = normalize_code(code)
    salt = _SALT_PREFIX + require_id(tenant_id, "tenant_id").encode("utf-8")
    digest = hashlib.scrypt(
        canonical.encode("ascii"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return digest.hex()


def invite_payload(code: str, base_url: str | None = None) -> str:
    """What the QR image carries: ``salama-invite:XXXX-XXXX``, or, with ``base_url``, that URL
    with ``#code=XXXX-XXXX`` appended. The code rides in the fragment, which browsers do not send
    to servers, so it does not land in access logs; the page (or the app opened by the link) reads
    it. Raises InputError for a malformed code, or a base_url that is not an http(s) URL without a
    fragment (``details["code"] == "invalid_base_url"``)."""
    shown = format_code(code)
    if base_url is None:
        return QR_PREFIX + shown
    if not isinstance(base_url, str) or len(base_url) > _MAX_URL_CHARS:
        raise _bad_url()
    try:
        parts = urlsplit(base_url)
    except ValueError:
        raise _bad_url() from None
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.fragment:
        raise _bad_url()
    if "#" in base_url or any(ch.isspace() for ch in base_url):
        raise _bad_url()
    return urlunsplit(parts._replace(fragment=f"code={shown}"))


def invite_qr_png(code: str, base_url: str | None = None, *, scale: int = 8) -> bytes:
    """A PNG image of a QR code carrying :func:`invite_payload` (error correction M, a quiet zone
    of 4 modules, ``scale`` pixels per module, 1 to 40). Raises InputError as
    :func:`invite_payload`, or for a bad scale."""
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 40:
        raise InputError("scale must be an integer from 1 to 40", details={"code": "invalid_scale"})
    qr = segno.make(invite_payload(code, base_url), error="m", micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def _malformed() -> InputError:
    return InputError(
        f"an invite code is {CODE_LENGTH} letters and digits, like ABCD-EFGH",
        details={"code": "invite_malformed"},
    )


def _bad_url() -> InputError:
    return InputError(
        "base_url must be an http(s) URL without a fragment",
        details={"code": "invalid_base_url"},
    )
