"""Entry point of the sandboxed child: confine this process, then serve scenario requests.

Run as `python -I -B boot.py CONFIG_JSON`. Nothing submitted is imported before
the confinement is in place.
"""

import json
import os
import sys


def main():
    config = json.loads(sys.argv[1])
    # -I leaves the script's folder off sys.path: put exactly what the run needs on it.
    sys.path[:0] = [config["base"], os.path.join(config["base"], "sandbox_project")]
    sys.path.append(config["work"])
    sys.dont_write_bytecode = True
    from grading.child import confine

    report = {"limits": confine.limit_resources(config["limits"])}
    if config["confine"] and sys.platform == "linux":
        confine.forbid_new_privileges()
        report["landlock"] = confine.landlock(
            config["read_only"], [config["work"]], config["devices"], config["ports"])
        report["seccomp"] = confine.seccomp()
        report["capabilities_dropped"] = confine.drop_capabilities()
    from grading.child import harness

    harness.serve(config, report)


if __name__ == "__main__":
    main()
