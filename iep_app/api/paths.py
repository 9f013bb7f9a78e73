"""Numbers in URL paths: bounded, so no path can make the server parse a huge integer."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class RowNumber(Convertor[int]):
    """`{name:id}`: 1 to 9 ASCII digits. Starlette's `int` takes any length, and int() of a
    few thousand digits raises (a 500); 999,999,999 also fits PostgreSQL's integer columns."""

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", RowNumber())
