"""Confine the current process before it runs submitted code: limits, Landlock, seccomp.

Everything here runs in the child, on itself, while it is still single-threaded
and has imported no submitted code. Each layer degrades to "not applied" on a
kernel or platform that lacks it, and says so in the returned report, so the
grader can refuse to grade with a weak sandbox.
"""

import ctypes
import errno
import os
import platform
import resource
import struct
import sys

# --- resource limits ------------------------------------------------------------------


def limit_resources(limits):
    """Set soft and hard limits from {"AS": bytes, "CPU": seconds, ...}; return those set."""
    applied = {}
    for name, value in limits.items():
        which = getattr(resource, f"RLIMIT_{name}", None)
        if which is None or value is None:
            continue
        _, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            continue  # some systems refuse some limits (macOS, RLIMIT_AS); the report omits it
        applied[name] = value
    return applied


# --- prctl, capabilities --------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
if sys.platform == "linux":
    _libc.syscall.restype = ctypes.c_long
    _libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                            ctypes.c_ulong]

PR_CAPBSET_DROP = 24
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SECCOMP_MODE_FILTER = 2


def _prctl(option, arg2=0, arg3=0, arg4=0, arg5=0):
    if _libc.prctl(option, arg2, arg3, arg4, arg5) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def forbid_new_privileges():
    """Make sure nothing this process runs can gain privileges (setuid files, file caps)."""
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop_capabilities():
    """Drop every capability, so a grader run as root leaves root powers behind.

    Return whether the process had any to drop.
    """
    had_any = False
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
            had_any = True
        elif ctypes.get_errno() == errno.EINVAL:
            break  # past the last capability this kernel knows
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if "capset" not in _SYSCALLS:
        return had_any
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    if _libc.syscall(_SYSCALLS["capset"], ctypes.byref(header), ctypes.byref(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"capset: {os.strerror(err)}")
    return had_any


# --- Landlock ---------------------------------------------------------------------------

LANDLOCK_CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
RULE_NET_PORT = 2

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13
FS_TRUNCATE = 1 << 14
FS_IOCTL_DEV = 1 << 15
NET_BIND_TCP = 1 << 0
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
SCOPE_SIGNAL = 1 << 1

# The filesystem rights each Landlock ABI version knows.
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_FILE_ONLY = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
READ_ONLY = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
# No links, FIFOs, sockets or devices: a link or a FIFO in the work folder could
# trick, or block, the grader when it reads the folder back.
READ_WRITE = ((1 << 16) - 1) & ~(FS_MAKE_CHAR | FS_MAKE_BLOCK | FS_MAKE_FIFO | FS_MAKE_SOCK
                                 | FS_MAKE_SYM | FS_EXECUTE)


def landlock_abi():
    """Return the Landlock ABI version of this kernel, or 0 when Landlock is unavailable."""
    if "landlock_create_ruleset" not in _SYSCALLS:
        return 0
    version = _libc.syscall(_SYSCALLS["landlock_create_ruleset"], None, 0,
                            LANDLOCK_CREATE_RULESET_VERSION)
    return max(0, version)


def _fs_rights(abi):
    return _FS_BY_ABI[max(v for v in _FS_BY_ABI if v <= abi)]


def landlock(read_only, read_write, devices=(), connect_ports=()):
    """Allow only these paths and TCP ports from now on; return the ABI used (0: none).

    Paths that do not exist are skipped. With ABI 4 or later, TCP bind is denied
    and TCP connect is allowed to `connect_ports` only. With ABI 6 or later, the
    process can no longer signal processes outside its sandbox or reach abstract
    UNIX sockets outside it.
    """
    abi = landlock_abi()
    if abi < 1:
        return 0
    handled_fs = _fs_rights(abi)
    handled_net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    if abi >= 6:
        attr = struct.pack("QQQ", handled_fs, handled_net, scoped)
    elif abi >= 4:
        attr = struct.pack("QQ", handled_fs, handled_net)
    else:
        attr = struct.pack("Q", handled_fs)
    buffer = ctypes.create_string_buffer(attr, len(attr))
    ruleset = _libc.syscall(_SYSCALLS["landlock_create_ruleset"], buffer, len(attr), 0)
    if ruleset < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock_create_ruleset: {os.strerror(err)}")
    try:
        for paths, rights in ((read_only, READ_ONLY), (read_write, READ_WRITE),
                              (devices, FS_READ_FILE | FS_WRITE_FILE)):
            for path in paths:
                _allow_path(ruleset, path, rights & handled_fs)
        if handled_net:
            for port in sorted(set(connect_ports)):
                rule = ctypes.create_string_buffer(struct.pack("QQ", NET_CONNECT_TCP, port), 16)
                _add_rule(ruleset, RULE_NET_PORT, rule)
        if _libc.syscall(_SYSCALLS["landlock_restrict_self"], ruleset, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"landlock_restrict_self: {os.strerror(err)}")
    finally:
        os.close(ruleset)
    return abi


def _allow_path(ruleset, path, rights):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not os.path.isdir(path):
            rights &= _FILE_ONLY
        rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd), 12)
        _add_rule(ruleset, RULE_PATH_BENEATH, rule)
    finally:
        os.close(fd)


def _add_rule(ruleset, kind, rule):
    if _libc.syscall(_SYSCALLS["landlock_add_rule"], ruleset, kind, rule, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock_add_rule: {os.strerror(err)}")


# --- seccomp ----------------------------------------------------------------------------

_ARCHES = {
    "x86_64": {
        "audit": 0xC000003E, "x32_bit": 0x40000000,
        "numbers": {
            "capset": 126, "socket": 41, "clone": 56, "clone3": 435, "fork": 57, "vfork": 58,
            "execve": 59, "execveat": 322, "kill": 62, "tkill": 200, "tgkill": 234,
            "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297, "pidfd_send_signal": 424,
            "ptrace": 101,
            "process_vm_readv": 310, "process_vm_writev": 311, "unshare": 272, "setns": 308,
            "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "bpf": 321,
            "userfaultfd": 323, "perf_event_open": 298, "keyctl": 250, "add_key": 248,
            "request_key": 249, "kexec_load": 246, "init_module": 175, "finit_module": 313,
            "delete_module": 176, "reboot": 169, "swapon": 167, "swapoff": 168,
            "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
            "landlock_create_ruleset": 444, "landlock_add_rule": 445,
            "landlock_restrict_self": 446,
        },
    },
    "aarch64": {
        "audit": 0xC00000B7, "x32_bit": None,
        "numbers": {
            "capset": 91, "socket": 198, "clone": 220, "clone3": 435, "execve": 221,
            "execveat": 281, "kill": 129, "tkill": 130, "tgkill": 131, "rt_sigqueueinfo": 138,
            "rt_tgsigqueueinfo": 240, "pidfd_send_signal": 424, "ptrace": 117,
            "process_vm_readv": 270, "process_vm_writev": 271, "unshare": 97, "setns": 268,
            "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "bpf": 280,
            "userfaultfd": 282, "perf_event_open": 241, "keyctl": 219, "add_key": 217,
            "request_key": 218, "kexec_load": 104, "init_module": 105, "finit_module": 273,
            "delete_module": 106, "reboot": 142, "swapon": 224, "swapoff": 225,
            "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
            "landlock_create_ruleset": 444, "landlock_add_rule": 445,
            "landlock_restrict_self": 446,
        },
    },
}
_ARCH = _ARCHES.get(platform.machine())
_SYSCALLS = _ARCH["numbers"] if _ARCH and platform.system() == "Linux" else {}

# Calls submitted code never needs: new processes, other programs, other processes'
# memory, namespaces, mounts, kernel modules and keys.
DENIED = ("fork", "vfork", "execve", "execveat", "tkill", "pidfd_send_signal", "ptrace",
          "process_vm_readv", "process_vm_writev", "unshare", "setns", "mount", "umount2",
          "pivot_root", "chroot", "bpf", "userfaultfd", "perf_event_open", "keyctl", "add_key",
          "request_key", "kexec_load", "init_module", "finit_module", "delete_module", "reboot",
          "swapon", "swapoff", "io_uring_setup", "io_uring_enter", "io_uring_register")
# Signals may go to this process only.
OWN_PID_ONLY = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
CLONE_THREAD = 0x00010000

_LD_W_ABS, _JEQ, _JGE, _JSET, _AND, _RET = 0x20, 0x15, 0x35, 0x45, 0x54, 0x06
_RET_ALLOW, _RET_ERRNO, _RET_KILL = 0x7FFF0000, 0x00050000, 0x80000000
_NR, _ARCH_OFFSET, _ARG0, _ARG1 = 0, 4, 16, 24
AF_INET, AF_INET6, SOCK_STREAM, SOCK_TYPE_MASK = 2, 10, 1, 0xF


def _seccomp_program(pid):
    numbers = _ARCH["numbers"]
    prog = [(_LD_W_ABS, 0, 0, _ARCH_OFFSET), (_JEQ, 1, 0, _ARCH["audit"]),
            (_RET, 0, 0, _RET_KILL), (_LD_W_ABS, 0, 0, _NR)]
    if _ARCH["x32_bit"]:
        prog += [(_JGE, 0, 1, _ARCH["x32_bit"]), (_RET, 0, 0, _RET_ERRNO | errno.EPERM)]
    # clone3 passes its flags in memory a filter cannot read: say "not implemented"
    # so the C library falls back to clone, whose flags it can.
    prog += [(_JEQ, 0, 1, numbers["clone3"]), (_RET, 0, 0, _RET_ERRNO | errno.ENOSYS)]
    for name in DENIED:
        if name in numbers:
            prog += [(_JEQ, 0, 1, numbers[name]), (_RET, 0, 0, _RET_ERRNO | errno.EPERM)]
    # A thread is fine; a new process is not.
    prog += [(_JEQ, 0, 4, numbers["clone"]), (_LD_W_ABS, 0, 0, _ARG0),
             (_JSET, 0, 1, CLONE_THREAD), (_RET, 0, 0, _RET_ALLOW),
             (_RET, 0, 0, _RET_ERRNO | errno.EAGAIN)]
    # TCP sockets only, which Landlock limits to the grader's ports. No UDP, raw or
    # netlink sockets (nothing leaves by DNS or ICMP), and no UNIX sockets: Landlock
    # does not guard connect() to a socket file such as a container engine's.
    eperm = (_RET, 0, 0, _RET_ERRNO | errno.EPERM)
    prog += [(_JEQ, 0, 8, numbers["socket"]), (_LD_W_ABS, 0, 0, _ARG0),
             (_JEQ, 1, 0, AF_INET), (_JEQ, 0, 3, AF_INET6),
             (_LD_W_ABS, 0, 0, _ARG1), (_AND, 0, 0, SOCK_TYPE_MASK),
             (_JEQ, 1, 0, SOCK_STREAM), eperm, (_RET, 0, 0, _RET_ALLOW)]
    for name in OWN_PID_ONLY:
        prog += [(_JEQ, 0, 4, numbers[name]), (_LD_W_ABS, 0, 0, _ARG0),
                 (_JEQ, 0, 1, pid), (_RET, 0, 0, _RET_ALLOW),
                 (_RET, 0, 0, _RET_ERRNO | errno.EPERM)]
    prog.append((_RET, 0, 0, _RET_ALLOW))
    return prog


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def seccomp_supported():
    """Return whether this platform has a syscall filter here."""
    return bool(_SYSCALLS)


def seccomp():
    """Install the syscall filter; return whether it was installed (needs no_new_privs)."""
    if not _SYSCALLS:
        return False
    prog = _seccomp_program(os.getpid())
    raw = b"".join(struct.pack("HBBI", *instruction) for instruction in prog)
    buffer = ctypes.create_string_buffer(raw, len(raw))
    fprog = _SockFprog(len(prog), ctypes.addressof(buffer))
    _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))
    return True
