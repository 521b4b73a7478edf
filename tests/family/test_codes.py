"""Invite codes: alphabet, randomness, normalisation, hashing, and the QR image."""

from __future__ import annotations

import math
import re
import struct
import zlib
from collections import Counter

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from salama.errors import InputError
from salama.family import (
    ALPHABET,
    CODE_LENGTH,
    format_code,
    hash_code,
    invite_payload,
    invite_qr_png,
    new_code,
    normalize_code,
)
from salama.family.codes import CODE_BITS

CODES = st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH)
SHOWN = re.compile(rf"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}")


def test_alphabet_has_no_look_alikes_and_is_typeable() -> None:
    assert len(set(ALPHABET)) == len(ALPHABET) == 31
    assert not set("01OIL") & set(ALPHABET)
    assert all(ch.isascii() and (ch.isdigit() or ch.isupper()) for ch in ALPHABET)


def test_codes_are_shown_as_two_groups_of_four() -> None:
    codes = [new_code() for _ in range(1000)]
    assert all(SHOWN.fullmatch(code) for code in codes)
    assert len(set(codes)) == len(codes)  # a collision here has odds of about 1 in 1.7 million


def test_codes_use_the_whole_alphabet_evenly() -> None:
    counts = Counter("".join(new_code().replace("-", "") for _ in range(2000)))
    assert set(counts) == set(ALPHABET)
    expected = 2000 * CODE_LENGTH / len(ALPHABET)  # 516 per symbol
    # a fair draw stays within ±35% of the mean for every symbol with overwhelming probability
    assert all(0.65 * expected < n < 1.35 * expected for n in counts.values()), counts


def test_entropy_is_about_forty_bits() -> None:
    assert pytest.approx(CODE_LENGTH * math.log2(31)) == CODE_BITS
    assert 39.5 < CODE_BITS < 40


@given(CODES, st.data())
def test_every_friendly_spelling_normalises_to_the_code(code: str, data: st.DataObject) -> None:
    seps = data.draw(
        st.lists(st.sampled_from(["", "-", " ", "–", "‑", "\u2212"]), min_size=9, max_size=9)
    )
    lower = data.draw(st.lists(st.booleans(), min_size=8, max_size=8))
    typed = "".join(
        sep + (ch.lower() if low else ch) for sep, ch, low in zip(seps, code, lower, strict=False)
    )
    typed += seps[-1]
    assert normalize_code(typed) == code
    assert format_code(typed) == f"{code[:4]}-{code[4:]}"


def test_full_width_and_arabic_indic_digits_are_read() -> None:
    assert normalize_code("ＡＢＣＤ－２３４５") == "ABCD2345"
    assert normalize_code("abcd-٢٣٤٥") == "ABCD2345"
    assert normalize_code("  abcd 2345\n") == "ABCD2345"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ABCD-234",
        "ABCD-23456",
        "ABCD-2340",
        "ABCO-2345",
        "ABCI-2345",
        "ABCL-2345",
        "abc1-2345",
        "ABCD_2345",
        "ABCDÉ234",
        "ABCD.2345",
        "A" * 65,
        "ABCD-2345#",
    ],
)
def test_malformed_codes_are_refused(typed: str) -> None:
    with pytest.raises(InputError) as caught:
        normalize_code(typed)
    assert caught.value.details["code"] == "invite_malformed"


def test_a_non_string_is_malformed() -> None:
    with pytest.raises(InputError) as caught:
        normalize_code(12345678)  # type: ignore[arg-type]
    assert caught.value.details["code"] == "invite_malformed"


def test_hash_is_the_same_for_every_spelling_and_hides_the_code() -> None:
    digest = hash_code("ABCD-2345", "tenant-1")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert hash_code("abcd2345", "tenant-1") == digest
    assert hash_code(" abcd - 2345 ", "tenant-1") == digest
    assert "ABCD" not in digest.upper() and "2345" not in digest


def test_hash_differs_by_code_and_by_tenant() -> None:
    digest = hash_code("ABCD-2345", "tenant-1")
    assert hash_code("ABCD-2346", "tenant-1") != digest
    assert hash_code("ABCD-2345", "tenant-2") != digest


@settings(max_examples=10, deadline=None)  # scrypt: ~50 ms a hash
@given(CODES)
def test_hash_is_deterministic(code: str) -> None:
    assert hash_code(code.lower(), "t") == hash_code(code, "t")


def test_hash_refuses_malformed_codes_and_tenants() -> None:
    with pytest.raises(InputError):
        hash_code("ABCD-0000", "t")
    with pytest.raises(InputError) as caught:
        hash_code("ABCD-2345", "")
    assert caught.value.details["code"] == "invalid_id"


# --- QR ---------------------------------------------------------------------------------------


def test_payload_without_url() -> None:
    assert invite_payload("abcd2345") == "salama-invite:ABCD-2345"


def test_payload_with_url_puts_the_code_in_the_fragment() -> None:
    assert invite_payload("abcd2345", "https://app.example/pair") == (
        "https://app.example/pair#code=ABCD-2345"
    )
    assert invite_payload("ABCD-2345", "https://app.example/p?lang=fr") == (
        "https://app.example/p?lang=fr#code=ABCD-2345"
    )


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x.example/",
        "javascript:alert(1)",
        "https://",
        "/relative",
        "https://x.example/#a",
        "https://x.example/#",
        "https://x .example/",
        "https://x.example/" + "a" * 500,
        "",
    ],
)
def test_bad_base_urls_are_refused(url: str) -> None:
    with pytest.raises(InputError) as caught:
        invite_payload("ABCD-2345", url)
    assert caught.value.details["code"] == "invalid_base_url"


def _png_pixels(png: bytes) -> tuple[int, int, list[list[int]]]:
    """Width, height and grey values of a 1-bit greyscale PNG, every chunk's CRC checked."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, interlace) == (1, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = (width + 7) // 8
    rows: list[list[int]] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - 1] if i else 0
            up, corner = prev[i], prev[i - 1] if i else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
            else:
                assert kind == 0
        rows.append([(line[x // 8] >> (7 - x % 8)) & 1 for x in range(width)])
        prev = line
    return width, height, rows


@pytest.mark.parametrize("base_url", [None, "https://app.example/pair"])
def test_qr_png_is_a_valid_image_of_the_payload(base_url: str | None) -> None:
    scale, border = 3, 4
    png = invite_qr_png("abcd-2345", base_url, scale=scale)
    width, height, rows = _png_pixels(png)
    expected = segno.make(invite_payload("ABCD-2345", base_url), error="m", micro=False)
    modules = len(expected.matrix)
    assert width == height == (modules + 2 * border) * scale
    for y, row in enumerate(expected.matrix):
        for x, dark in enumerate(row):
            pixel = rows[(y + border) * scale][(x + border) * scale]
            assert pixel == (0 if dark else 1), (x, y)  # dark modules are black
    assert all(v == 1 for v in rows[0])  # the quiet zone is white


def test_qr_refuses_bad_codes_and_scales() -> None:
    with pytest.raises(InputError):
        invite_qr_png("nope")
    for scale in (0, 41, True):
        with pytest.raises(InputError) as caught:
            invite_qr_png("ABCD-2345", scale=scale)
        assert caught.value.details["code"] == "invalid_scale"
