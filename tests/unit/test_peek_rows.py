"""stowtui.peek's hex dump: as many bytes a row as fit the width, whole rows only."""

from __future__ import annotations

import pytest

from stowtui.peek import bytes_per_row, hex_row_cells, hexdump


@pytest.mark.parametrize("width, per_row", [(200, 16), (79, 16), (75, 16), (74, 8), (43, 8), (42, 4), (37, 4), (10, 4)])
def test_the_bytes_of_a_row_are_the_most_that_fit(width, per_row):
    assert bytes_per_row(width) == per_row
    assert hex_row_cells(per_row) <= width or per_row == 4


@pytest.mark.parametrize("per_row", [16, 8, 4])
def test_each_row_holds_its_offset_its_bytes_in_hex_and_as_ascii_in_the_cells_said(per_row):
    data = bytes(range(64, 64 + 40))
    lines = hexdump(data, per_row=per_row).split("\n")
    assert len(lines) == -(-len(data) // per_row)
    first = lines[0]
    assert len(first) == hex_row_cells(per_row)
    assert first.startswith("00000000  40 41")
    assert first.endswith("@ABC" + "DEFGHIJKLMNOP"[: per_row - 4])
    assert lines[1].startswith(f"{per_row:08x}  ")
    # The last, short row keeps the ASCII column where the others have it.
    assert lines[-1].index(chr(64 + per_row * (len(lines) - 1))) == hex_row_cells(per_row) - per_row
