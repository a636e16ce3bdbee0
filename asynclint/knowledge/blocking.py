"""The tables of blocking calls (AL1xx): data in one place, each entry with its advice.

Keys are qualified names as the resolver produces them (``time.sleep``,
``builtins.open``); method tables are keyed by the receiver's inferred type.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, Mapping, Optional

if TYPE_CHECKING:
    from ..settings import Settings


@dataclass(frozen=True)
class BlockingCall:
    code: str
    # Advice per async library; "asyncio" is the default.
    advice: Mapping[str, str]

    def message(self, qualname: str, library: str) -> str:
        advice = self.advice.get(library) or self.advice["asyncio"]
        return f"`{qualname}()` blocks the event loop; {advice}"


def _advice(asyncio: str, trio: Optional[str] = None, anyio: Optional[str] = None) -> Dict[str, str]:
    table = {"asyncio": asyncio}
    if trio:
        table["trio"] = trio
    if anyio:
        table["anyio"] = anyio
    return table


SLEEP = BlockingCall("AL101", _advice("use `await asyncio.sleep(...)`", "use `await trio.sleep(...)`",
                                      "use `await anyio.sleep(...)`"))

FUNCTIONS: Dict[str, BlockingCall] = {
    "time.sleep": SLEEP,
}

# receiver type -> method name -> call
METHODS: Dict[str, Dict[str, BlockingCall]] = {}


def lookup_function(qualname: str, node: ast.Call, settings: "Settings") -> Optional[BlockingCall]:
    call = FUNCTIONS.get(qualname)
    if call is not None:
        return call
    extra = settings.extend_blocking_calls.get(qualname)
    if extra is not None:
        code, message = extra
        return BlockingCall(code, {"asyncio": message})
    return None


def lookup_method(receiver_type: str, method: str, node: ast.Call) -> Optional[BlockingCall]:
    methods = METHODS.get(receiver_type)
    return methods.get(method) if methods else None
