"""Just enough of the OLE2 Compound File format to tell a Word document from other OLE files.

Every legacy Office file (and every MSI installer) starts with the same OLE2 signature, so the
magic bytes alone cannot tell a `.doc` from an `.xls`, a `.ppt` or an installer renamed `.doc`.
A Word 97-2003 document is the compound file whose directory holds a `WordDocument` stream;
this module walks the directory (through the FAT chain) and lists the entry names.

Defensive by construction: every offset is bounds-checked, every chain is capped by the number
of sectors in the file (so loops in a crafted FAT end), and any inconsistency means "not a
compound file we accept" (an empty result), never an exception.
"""

import struct

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADER_SIZE = 512
_DIFAT_IN_HEADER = 109
_MAX_REGULAR_SECTOR = 0xFFFFFFFA
_ENDOFCHAIN = 0xFFFFFFFE
_DIR_ENTRY_SIZE = 128
_STREAM = 2


class _Malformed(Exception):
    pass


def _sector(data: bytes, index: int, size: int) -> bytes:
    if index > _MAX_REGULAR_SECTOR:
        raise _Malformed
    start = (index + 1) * size
    chunk = data[start : start + size]
    if len(chunk) != size:
        raise _Malformed
    return chunk


def _uint32s(chunk: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(chunk) // 4}I", chunk)


def _fat(data: bytes, header: bytes, sector_size: int, max_sectors: int) -> tuple[int, ...]:
    (num_fat,) = struct.unpack_from("<I", header, 0x2C)
    first_difat, num_difat = struct.unpack_from("<II", header, 0x44)
    # A FAT sector maps sector_size/4 sectors: more FAT sectors than the file needs is a lie
    # meant to make us build a huge table.
    if num_fat > max_sectors // (sector_size // 4) + 1 or num_difat > num_fat:
        raise _Malformed
    fat_sectors = list(_uint32s(header[0x4C : 0x4C + 4 * _DIFAT_IN_HEADER]))
    difat_sector, seen = first_difat, 0
    while difat_sector <= _MAX_REGULAR_SECTOR and seen < num_difat:
        entries = _uint32s(_sector(data, difat_sector, sector_size))
        fat_sectors.extend(entries[:-1])
        difat_sector = entries[-1]
        seen += 1
    fat: list[int] = []
    for index in fat_sectors[:num_fat]:
        fat.extend(_uint32s(_sector(data, index, sector_size)))
    return tuple(fat)


def stream_names(data: bytes) -> frozenset[str]:
    """Names of the streams in an OLE2 compound file's directory; empty if it is not one."""
    if len(data) < _HEADER_SIZE or not data.startswith(OLE2_MAGIC):
        return frozenset()
    header = data[:_HEADER_SIZE]
    try:
        if header[0x1C:0x1E] != b"\xfe\xff":
            raise _Malformed
        sector_shift = struct.unpack_from("<H", header, 0x1E)[0]
        if sector_shift not in (9, 12):
            raise _Malformed
        sector_size = 1 << sector_shift
        max_sectors = len(data) // sector_size
        fat = _fat(data, header, sector_size, max_sectors)
        names: set[str] = set()
        sector, steps = struct.unpack_from("<I", header, 0x30)[0], 0
        while sector != _ENDOFCHAIN:
            steps += 1
            if steps > max_sectors or sector >= len(fat):
                raise _Malformed
            chunk = _sector(data, sector, sector_size)
            for offset in range(0, sector_size, _DIR_ENTRY_SIZE):
                entry = chunk[offset : offset + _DIR_ENTRY_SIZE]
                name_bytes = struct.unpack_from("<H", entry, 0x40)[0]
                if entry[0x42] != _STREAM or not 2 <= name_bytes <= 64:
                    continue
                names.add(entry[: name_bytes - 2].decode("utf-16-le", errors="replace"))
            sector = fat[sector]
        return frozenset(names)
    except (_Malformed, struct.error, IndexError):
        return frozenset()


def is_word_document(data: bytes) -> bool:
    """A Word 97-2003 binary document: a compound file with a `WordDocument` stream."""
    return "WordDocument" in stream_names(data)
