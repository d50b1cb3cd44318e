"""What a kernel process runs: ipykernel's own launcher (`python -m ipykernel_launcher`), with
the same arguments and the same sys.path, made cheaper to start and to end.

- The kernel's debugger (debugpy, for Jupyter's debug protocol, which ml-intern never speaks)
  is not imported while the kernel starts: about a fifth of its start-up CPU. A cell can still
  import debugpy.
- What start-up made is frozen out of the garbage collector (`gc.freeze`): no collection walks
  those objects again, neither the full passes while the user's cells run nor the ones at exit
  (which kept a shut-down kernel alive for a second or more, most of it in those passes).

A copy of this file is started from each kernel's runtime folder (tools/kernel/runtime.py: the
workspace's interpreter, inside the sandbox, cannot import ml-intern), under ipykernel's
launcher's name: code that asks whether it runs in a kernel by `sys.argv[0]` still finds so.
It imports nothing of ml-intern and runs on any Python 3 with ipykernel.
"""

import gc
import os
import sys


def main() -> None:
    """Start the kernel as ipykernel's launcher does; returns when the kernel has ended."""
    here = os.path.dirname(os.path.realpath(__file__))
    if sys.path and sys.path[0] and os.path.realpath(sys.path[0]) == here:
        del sys.path[0]  # IPython puts the working directory first (`init_path`), as for `-m`
    held = "debugpy" not in sys.modules
    if held:
        sys.modules["debugpy"] = None  # type: ignore[assignment]  # an ImportError, to ipykernel
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize()
    if held and "debugpy" in sys.modules and sys.modules["debugpy"] is None:
        del sys.modules["debugpy"]
    gc.freeze()
    app.start()


if __name__ == "__main__":
    main()
