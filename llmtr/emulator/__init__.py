"""A fake LLMTR gateway for tests and offline demos (standard library + Pillow only).

In-process:  httpx.Client(transport=httpx.WSGITransport(app=Emulator()))
On a port:   python -m llmtr.emulator --port 8090
"""

from llmtr.emulator.app import Emulator
from llmtr.emulator.clock import Clock
from llmtr.emulator.faults import FAULTS, Disconnect, HangTimeout
from llmtr.emulator.server import serve

__all__ = ["FAULTS", "Clock", "Disconnect", "Emulator", "HangTimeout", "serve"]
