"""Run one submission's scenarios in a sandboxed child process; collect what they did.

The child is confined (grading/child/confine.py) and speaks a line protocol:
one request per scenario on its stdin, one answer on a pipe. The parent
enforces every time limit, kills the child's process group when one is
exceeded, starts a fresh child for the next exercise, and reads the rest of
the evidence from its own services and, once the child is gone, from files.
"""

import json
import os
import platform
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from grading import capture, plan
from grading.child.confine import landlock_abi, seccomp_supported

BOOT = Path("grading") / "child" / "boot.py"
SIGNAL_REASONS = {
    signal.SIGXFSZ: "wrote more output than allowed (file size limit)",
    signal.SIGXCPU: "used more CPU time than allowed",
    signal.SIGSEGV: "crashed (segmentation fault)",
    signal.SIGSYS: "made a forbidden system call",
    signal.SIGKILL: "was killed",
    signal.SIGABRT: "aborted",
}
ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/ssl", "/etc/pki", "/etc/ca-certificates",
             "/etc/mime.types", "/etc/hosts", "/etc/nsswitch.conf", "/etc/resolv.conf",
             "/etc/host.conf", "/etc/gai.conf", "/etc/services", "/etc/protocols")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")


@dataclass(frozen=True)
class Limits:
    """Limits of one child process and of one submission."""

    startup: float = 20.0
    submission: float = 180.0
    memory: int = 1024 * 1024 * 1024
    cpu: int = 60
    file_size: int = 32 * 1024 * 1024
    open_files: int = 256
    answer_size: int = 256 * 1024


DEFAULT_LIMITS = Limits()


class GraderError(RuntimeError):
    """The sandbox could not start: a problem of this machine, not of the submission."""


class ChildTimeout(Exception):
    pass


class ChildGone(Exception):
    pass


class ProtocolError(Exception):
    pass


class Child:
    """One sandboxed child process, answering scenario requests."""

    def __init__(self, workspace, work, logs, station, limits, confine, number):
        self.workspace, self.work, self.logs = workspace, Path(work), Path(logs)
        self.station, self.limits, self.confine = station, limits, confine
        self.stdout_path = self.logs / f"stdout-{number}.txt"
        self.stderr_path = self.logs / f"stderr-{number}.txt"
        self.process = None
        self.sandbox = None
        self._fd = None
        self._buffer = b""

    def start(self):
        read_fd, write_fd = os.pipe()
        config = {
            "base": str(self.workspace.base), "work": str(self.work), "channel_fd": write_fd,
            "broker": str(self.work / "broker"), "confine": self.confine,
            "read_only": read_only_paths(self.workspace.base), "devices": list(DEVICES),
            "ports": self.station.ports,
            "limits": {"AS": self.limits.memory, "CPU": self.limits.cpu,
                       "FSIZE": self.limits.file_size, "NOFILE": self.limits.open_files,
                       "CORE": 0, "NPROC": nproc_limit()},
        }
        self.logs.mkdir(parents=True, exist_ok=True)
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            try:
                self.process = subprocess.Popen(
                    [sys.executable, "-I", "-B", str(self.workspace.base / BOOT),
                     json.dumps(config)],
                    stdin=subprocess.PIPE, stdout=out, stderr=err, pass_fds=(write_fd,),
                    cwd=self.work, env=self._env(), start_new_session=True)
            finally:
                os.close(write_fd)
        self._fd = read_fd
        try:
            ready = self._read(time.monotonic() + self.limits.startup)
        except (ChildTimeout, ChildGone, ProtocolError) as exc:
            self.kill()
            raise GraderError(f"the sandbox did not start: {exc}: {self.stderr()}") from exc
        if not ready.get("ready"):
            self.kill()
            raise GraderError(f"the sandbox did not start: {ready.get('fatal', ready)}")
        self.sandbox = ready.get("sandbox")
        return self

    def _env(self):
        work = self.work
        return {
            "PATH": "/usr/bin:/bin", "HOME": str(work), "TMPDIR": str(work / "tmp"),
            "LANG": "C.UTF-8", "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
            "SECRET_KEY": self.workspace.secret_key, "SITE_URL": plan.SITE_URL,
            "DEFAULT_FROM_EMAIL": plan.FROM_EMAIL, "DEBUG": "false", "EMAIL_ASYNC": "false",
            "EMAIL_TIMEOUT": "3", "SENDGRID_TIMEOUT": "3", "LOG_LEVEL": "WARNING",
            "EMAIL_FILE_PATH": str(work / "var" / "sent"),
            "MAILROOM_DATA_DIR": str(work / "var" / "mailroom"),
            **self.station.child_env(),
        }

    def stdout_size(self):
        try:
            return os.path.getsize(self.stdout_path)
        except OSError:
            return 0

    def output_full(self):
        """Return whether stdout or stderr reached the file size limit."""
        sizes = [self.stdout_size()]
        try:
            sizes.append(os.path.getsize(self.stderr_path))
        except OSError:
            pass
        return max(sizes) >= self.limits.file_size

    def stderr(self):
        return capture.read_slice(self.stderr_path, 0, 10**9, 2000).strip()

    def request(self, message, timeout):
        """Send one request; return the answer, or raise ChildTimeout, ChildGone, ProtocolError."""
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise ChildGone(self.exit_reason()) from exc
        answer = self._read(time.monotonic() + timeout)
        if (answer.get("done") != message["id"] or answer.get("token") != message["token"]
                or not isinstance(answer.get("result"), dict)):
            raise ProtocolError("the answer does not match the request")
        result = answer["result"]
        if "driver_error" not in result and result.get("driver") != message["driver"]:
            raise ProtocolError("the answer did not come from the scenario's driver")
        return result

    def _read(self, deadline):
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChildTimeout()
            ready, _, _ = select.select([self._fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._fd, 65536)
            if not chunk:
                self.process.wait(5)
                raise ChildGone(self.exit_reason())
            self._buffer += chunk
            if len(self._buffer) > self.limits.answer_size:
                raise ProtocolError("the answer is too large")
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            answer = json.loads(line)
        except ValueError as exc:
            raise ProtocolError("the answer is not JSON") from exc
        if not isinstance(answer, dict):
            raise ProtocolError("the answer is not an object")
        return answer

    def exit_reason(self):
        code = self.process.poll()
        if code is None:
            return "stopped answering"
        if code < 0:
            number = -code
            try:
                return SIGNAL_REASONS.get(signal.Signals(number), f"was killed by signal {number}")
            except ValueError:
                return f"was killed by signal {number}"
        return f"exited with status {code}"

    def quit(self):
        """Ask the child to finish (it closes the database cleanly); kill it if it does not."""
        try:
            self.process.stdin.write(b'{"quit": true}\n')
            self.process.stdin.flush()
            self.process.wait(3)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def kill(self):
        """Kill the child's whole process group and reap it."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.process.stdin,):
            try:
                stream.close()
            except OSError:
                pass
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def read_only_paths(base):
    """Paths a child may read: the base, Python and its libraries, a few system files."""
    paths = [str(base), sys.prefix, sys.base_prefix, "/usr", "/lib", "/lib64", "/lib32"]
    paths += [os.path.dirname(os.path.realpath(sys.executable))]
    return [p for p in dict.fromkeys(paths + list(ETC_FILES)) if os.path.exists(p)]


def nproc_limit():
    """Return a process limit for the child, or None where it cannot help.

    RLIMIT_NPROC counts every process of the user, and root is exempt; the seccomp
    filter is what stops a fork bomb. The limit is a second guard elsewhere.
    """
    if os.geteuid() == 0:
        return None
    try:
        count = sum(1 for name in os.listdir("/proc") if name.isdigit())
    except OSError:
        return None
    return count + 64


def sandbox_strength():
    """Describe how well this machine can confine a child: (ok, explanation)."""
    if sys.platform != "linux":
        return False, "submissions can only be sandboxed on Linux"
    if not seccomp_supported():
        return False, f"no seccomp filter for this CPU ({platform.machine()})"
    abi = landlock_abi()
    if abi < 1:
        return False, ("Landlock is not available (Linux 5.13 or later with Landlock enabled "
                       "is needed), so a submission could read any file you can")
    notes = []
    if abi < 4:
        notes.append("network access is not restricted (Landlock ABI 4 needs Linux 6.7)")
    return True, "; ".join(notes)


def confined(report):
    """Return whether a child's report shows Landlock and seccomp in force."""
    report = report if isinstance(report, dict) else {}
    return (report.get("landlock") or 0) >= 1 and report.get("seccomp") is True


def lay_in(work, files):
    """Write the submission's exercise files, and nothing else, into its work folder."""
    for name, content in files.items():
        (Path(work) / "exercises" / name).write_bytes(content)


def observe(submission, station, workspace, scenarios, limits=DEFAULT_LIMITS, confine=True,
            keep=False, strict=False):
    """Run every scenario for one submission; return the observations as plain data.

    strict: raise GraderError unless the child confirms Landlock and seccomp are on.
    """
    started = time.monotonic()
    record = {"submission": submission.name, "source": submission.source,
              "notes": list(submission.notes), "error": submission.error, "sandbox": None,
              "secret_key": workspace.secret_key, "scenarios": {}, "db": {}}
    if submission.error:
        return record
    work = workspace.new_work(submission.name)
    logs = workspace.root / "logs" / submission.name
    lay_in(work, submission.files)
    child, number, halted = None, 0, {}
    try:
        for scenario in scenarios:
            params = _inputs(scenario, station)
            entry = {"exercise": scenario.exercise, "params": params, "status": "ok",
                     "detail": "", "result": {}, "messages": [], "connections": 0,
                     "http_statuses": [], "stdout": "", "broker": []}
            record["scenarios"][scenario.id] = entry
            if scenario.exercise in halted:
                entry.update(status="skipped", detail=halted[scenario.exercise])
                continue
            if time.monotonic() - started > limits.submission:
                entry.update(status="skipped", detail="the submission ran out of time")
                continue
            if child is None:
                number += 1
                child = Child(workspace, work, logs, station, limits, confine, number).start()
                record["sandbox"] = record["sandbox"] or child.sandbox
                if strict and not confined(child.sandbox):
                    raise GraderError(f"the child is not confined: {child.sandbox}")
            station.prepare(scenario.services(params))
            before = child.stdout_size()
            # A fresh token per request: an answer written ahead of time cannot match it.
            request = {"id": scenario.id, "token": os.urandom(8).hex(),
                       "driver": scenario.driver, "params": params}
            try:
                entry["result"] = child.request(request, scenario.timeout)
            except ChildTimeout:
                child.kill()
                entry.update(status="timeout",
                             detail=f"did not finish within {scenario.timeout:g} s")
            except ChildGone as gone:
                child.kill()
                entry.update(status="crashed", detail=f"the process {gone}")
            except ProtocolError as exc:
                child.kill()
                entry.update(status="protocol", detail=f"the sandbox answered badly: {exc}")
            entry.update(station.collect())
            entry["stdout"] = capture.read_slice(child.stdout_path, before, child.stdout_size())
            entry["broker"] = capture.read_broker(work / "broker")
            if entry["status"] == "ok" and child.output_full():
                # Its output files are full: later scenarios get a fresh child.
                child.kill()
                entry.update(status="crashed", detail=(
                    f"the process wrote more output than allowed "
                    f"({limits.file_size // 2**20} MiB)"))
            if entry["status"] != "ok":
                halted[scenario.exercise] = (
                    f"not run: an earlier scenario of {scenario.exercise} {entry['detail']}"
                    if entry["status"] == "timeout" else
                    f"not run: an earlier scenario of {scenario.exercise} stopped the sandbox")
                child = None
        if child is not None:
            child.quit()
            child = None
        record["db"] = capture.read_database(work, logs / "db")
    finally:
        if child is not None:
            child.kill()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(logs, ignore_errors=True)
    record["seconds"] = round(time.monotonic() - started, 3)
    return record


def _inputs(scenario, station):
    """Build fresh inputs for one scenario, with this station's addresses filled in."""
    params = scenario.inputs(os.urandom(6).hex())
    dead_url = f"http://127.0.0.1:{station.dead_port}"
    return json.loads(json.dumps(params).replace("{dead_url}", dead_url))
