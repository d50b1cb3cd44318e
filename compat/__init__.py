"""Every patch of a library's internals, one module per library, pinned to the versions it was
written for (compat/pins.py); tests/compat/ fails naming the library, its version and the
attribute when a library changes under one."""
