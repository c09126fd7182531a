"""Stubs generated from proto/ by scripts/generate-sdks.sh (protoc + grpc_python_plugin); never edit them.

The generated modules import each other by proto path (``from larder.types.v1 import value_pb2``),
so this folder goes on ``sys.path`` once, here.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.append(_HERE)
