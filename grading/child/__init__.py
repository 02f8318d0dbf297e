"""What runs inside the sandboxed child: confinement, the request loop, the scenario drivers.

Only the standard library, Django and the sandbox project may be imported here:
this package is copied into the read-only base the child sees.
"""
