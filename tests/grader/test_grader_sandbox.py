"""The child's confinement, tried directly: what a submission could attempt, refused."""

import json
import subprocess
import sys
import textwrap

import pytest

from grading.paths import REPO
from grading.runner import sandbox_strength

PROBE = textwrap.dedent('''
    import json, os, signal, socket, sys
    sys.path.insert(0, {repo!r})
    from grading.child import confine
    confine.limit_resources({{"AS": 1 << 30, "CPU": 20, "FSIZE": 1 << 20, "NOFILE": 64}})
    confine.forbid_new_privileges()
    abi = confine.landlock([sys.base_prefix, sys.prefix, "/usr", "/lib", "/lib64",
                            {repo!r} + "/grading"], [{work!r}], ["/dev/null"], [])
    confine.seccomp()
    confine.drop_capabilities()

    def attempt(action):
        try:
            action()
            return "allowed"
        except BaseException as error:
            return type(error).__name__

    print(json.dumps({{
        "abi": abi,
        "read_solutions": attempt(
            lambda: open({repo!r} + "/solutions/ex01_console_email.py").read()),
        "read_own": attempt(lambda: open({work!r} + "/own.txt", "w").write("x")),
        "write_tmp": attempt(lambda: open("/tmp/grader-selfcheck-probe", "w").write("x")),
        "fork": attempt(os.fork),
        "kill_parent": attempt(lambda: os.kill(os.getppid(), signal.SIGKILL)),
        "connect": attempt(lambda: socket.create_connection(("1.1.1.1", 80), timeout=1)),
        "udp": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)),
        "unix": attempt(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)),
        "tcp": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()),
        "memory": attempt(lambda: bytearray(2 << 30)),
        "thread": attempt(lambda: __import__("threading").Thread(target=print).start()),
        "symlink": attempt(lambda: os.symlink("/etc/passwd", {work!r} + "/db.sqlite3")),
        "fifo": attempt(lambda: os.mkfifo({work!r} + "/fifo")),
        "output": attempt(lambda: open({work!r} + "/big", "wb").write(b"x" * (2 << 20))),
    }}))
''')


@pytest.mark.skipif(not sandbox_strength()[0], reason="this machine cannot confine a child")
def test_confinement_refuses_what_a_submission_must_not_do(tmp_path):
    script = PROBE.format(repo=str(REPO), work=str(tmp_path))
    completed = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True,
                               text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["abi"] >= 1
    assert seen["read_solutions"] == "PermissionError"
    assert seen["read_own"] == "allowed"
    assert seen["write_tmp"] == "PermissionError"
    assert seen["fork"] == "BlockingIOError"
    assert seen["kill_parent"] == "PermissionError"
    assert seen["memory"] == "MemoryError"
    assert seen["thread"] == "allowed"
    if seen["abi"] >= 4:
        assert seen["connect"] == "PermissionError"
    assert seen["udp"] == seen["unix"] == "PermissionError"
    assert seen["tcp"] == "allowed"
    assert seen["symlink"] == seen["fifo"] == "PermissionError"
    # Python ignores SIGXFSZ: a write past the file size limit fails with EFBIG instead.
    assert seen["output"] == "OSError"
