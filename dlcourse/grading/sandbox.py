"""The sandbox each learner's kernel runs in: Bubblewrap (``bwrap``) namespaces, read-only binds, limits.

The grader's pytest/nbval process stays outside, where it compares outputs and writes the report;
only the kernel, which runs the learner's code, is sandboxed. nbval starts the kernel through
this module's launcher (``python -m dlcourse.grading.sandbox CONNECTION_FILE``), which execs::

    bwrap --unshare-pid --unshare-net --unshare-ipc --unshare-uts ... --die-with-parent --new-session
          --clearenv --setenv PATH ... --ro-bind <system, Python, dlcourse> --tmpfs /tmp --tmpfs $HOME
          --bind <socket folder> -- python -I -S _sandbox_init.py LIMITS -- python -m ipykernel_launcher

* own PID namespace: when the kernel is shut down or killed, the namespace's init dies and the
  kernel kills every process left in it, detached daemons included;
* no network: the kernel talks to nbval over ZeroMQ IPC sockets in a folder bound into the
  sandbox (Unix sockets in the file system cross network namespaces);
* a read-only view of ``/usr`` and a few files of ``/etc``, the Python environment (the venv and
  the installation it points to) and the ``dlcourse`` package (bound alone, at ``/opt/dlcourse``):
  no masters, no other submissions, no grades folder, no repository, no home of the grader;
* an empty private home and ``/tmp`` (size-limited tmpfs), gone when the run ends;
* an environment reduced to what a kernel needs, no inherited file descriptors;
* limits per process (``_sandbox_init.py`` sets them before running the kernel): address space,
  CPU seconds, processes, file size, open files; as root, the kernel runs as ``nobody``.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import dlcourse

SPEC_VAR = "DLCOURSE_SANDBOX"
PACKAGE_MOUNT = "/opt/dlcourse"
HOME = "/home/student"
CONNECTION = "/run/dlcourse/kernel.json"
MPL_CACHE = "/run/dlcourse/matplotlib"
SOCKETS = "/run/dlcourse/sockets"
NOBODY = 65534
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf",
             "fonts", "alternatives", "mime.types", "ssl/certs")
PASSED_ENV = ("DLCOURSE_DEVICE", "DLCOURSE_BOOK_VERSION", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "LANG", "TZ")
NO_SANDBOX_RISK = ("--no-sandbox runs every submission's code as you, with your files, processes and network: "
                   "it can read the masters' solutions, forge its grade, change later grades and outlive the run. "
                   "Use it only for code you trust.")


def _physical_memory() -> int:
    """The machine's memory in bytes (0 where unknown): torch reserves far more address space than it uses."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0


class SandboxUnavailable(RuntimeError):
    """No sandbox can be made here; the message says why and what to do."""


@dataclass
class Limits:
    """Per-process limits inside the sandbox (``setrlimit``); tmpfs sizes for home and /tmp."""

    memory: int = field(default_factory=lambda: max(8 << 30, _physical_memory()))  # bytes of address space
    cpu_seconds: int = 600
    processes: int = 256            # per user id; not enforced when the grader runs as root without `nobody`
    file_size: int = 1 << 30
    open_files: int = 1024
    tmpfs_size: int = 1 << 30       # each of $HOME and /tmp


def _python_roots() -> list[str]:
    """The folders the running Python needs: the venv, its base installation, their real paths."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(sys.executable).resolve().parent.parent)}
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        roots.add(sysconfig.get_path(name))
    resolved = {str(Path(r).resolve()) for r in roots if r} | {r for r in roots if r}
    ordered = sorted(resolved, key=len)
    return [r for i, r in enumerate(ordered) if not any(r.startswith(o + "/") for o in ordered[:i])
            and not r.startswith("/usr/")]


def _system_args() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC_FILES:
        if (Path("/etc") / name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return args


def _mpl_cache() -> str | None:
    """The grader's matplotlib cache folder, if it holds a font list (copied in: saves seconds a run)."""
    base = os.environ.get("MPLCONFIGDIR") or str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                                                   / "matplotlib")
    return base if list(Path(base).glob("fontlist-*.json")) else None


def spec(limits: Limits | None = None) -> dict:
    """What the launcher needs, as JSON-able data (passed to it in ``$DLCOURSE_SANDBOX``)."""
    return {"limits": asdict(limits or Limits()), "python": _python_roots(), "executable": sys.executable,
            "package": str(Path(dlcourse.__file__).resolve().parent), "data": os.environ.get("DLCOURSE_DATA"),
            "mpl_cache": _mpl_cache()}


def bwrap_command(spec: dict, connection_fd: int, socket_dir: str, inner: list[str]) -> list[str]:
    """The ``bwrap`` command line that runs ``inner`` in the sandbox."""
    root = os.geteuid() == 0
    size = str(spec["limits"]["tmpfs_size"])
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if root:  # no user namespace: the init script needs root to drop to `nobody`, then has no capabilities
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_CHOWN"]
    args += _system_args()
    binds = [(path, path) for path in spec["python"]] + [(spec["package"], f"{PACKAGE_MOUNT}/dlcourse")]
    if spec.get("data") and Path(spec["data"]).is_dir():
        binds.append((spec["data"], spec["data"]))
    if spec.get("mpl_cache"):
        binds.append((spec["mpl_cache"], MPL_CACHE))
    parents = {str(p) for _, dest in binds + [("", CONNECTION), ("", SOCKETS), ("", HOME)]
               for p in Path(dest).parents if str(p) != "/"}
    for parent in sorted(parents, key=lambda p: p.count("/")):  # bwrap would make them 0700: unreadable for nobody
        args += ["--perms", "0755", "--dir", parent]
    for source, dest in binds:
        args += ["--ro-bind", source, dest]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", size, "--tmpfs", "/tmp",
             "--perms", "0755", "--size", size, "--tmpfs", HOME,
             "--bind", socket_dir, SOCKETS,
             "--perms", "0444", "--ro-bind-data", str(connection_fd), CONNECTION,
             "--chdir", HOME, "--clearenv"]
    env = {"PATH": f"{Path(spec['executable']).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": HOME,
           "TMPDIR": "/tmp", "PYTHONPATH": PACKAGE_MOUNT, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
           "LANG": "C.UTF-8", "USER": "student"}
    env.update({k: os.environ[k] for k in PASSED_ENV if os.environ.get(k)})
    if spec.get("data"):
        env["DLCOURSE_DATA"] = spec["data"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args + ["--", *inner]


def _inner(spec_data: dict, command: list[str]) -> list[str]:
    """``command`` behind the init script that sets the limits and drops root (see _sandbox_init.py)."""
    init = f"{PACKAGE_MOUNT}/dlcourse/grading/_sandbox_init.py"
    limits = json.dumps({**spec_data["limits"], "home": HOME,
                         "mpl_cache": MPL_CACHE if spec_data.get("mpl_cache") else None})
    return [spec_data["executable"], "-I", "-S", init, limits, "--", *command]


def launch(connection_file: str) -> None:
    """Exec the sandboxed kernel for ``connection_file`` (nbval's kernel command, via the grader's plugin)."""
    spec_data = json.loads(os.environ[SPEC_VAR])
    info = json.loads(Path(connection_file).read_bytes())
    socket_dir = str(Path(connection_file).parent)
    if info.get("transport") != "ipc" or str(Path(info["ip"]).parent) != socket_dir:
        raise SystemExit(f"the sandboxed kernel needs IPC sockets beside {connection_file}")
    info["ip"] = f"{SOCKETS}/{Path(info['ip']).name}"  # the same folder, seen from inside
    if os.geteuid() == 0:
        os.chown(socket_dir, NOBODY, NOBODY)  # the kernel, as nobody, creates its sockets there
        os.chmod(socket_dir, 0o700)
    read_end, write_end = os.pipe()
    os.write(write_end, json.dumps(info).encode())  # a few hundred bytes: fits the pipe's buffer
    os.close(write_end)
    os.set_inheritable(read_end, True)
    kernel = [spec_data["executable"], "-m", "ipykernel_launcher", "-f", CONNECTION]
    command = bwrap_command(spec_data, read_end, socket_dir, _inner(spec_data, kernel))
    os.closerange(3, read_end)
    os.closerange(read_end + 1, 1 << 16)
    os.execv(shutil.which("bwrap") or "/usr/bin/bwrap", command)


def run(command: list[str], limits: Limits | None = None, timeout: float = 60,
        init: bool = True) -> subprocess.CompletedProcess:
    """Run ``command`` in the same sandbox as a kernel (for checks and tests); its output is captured."""
    spec_data = spec(limits)
    with tempfile.TemporaryDirectory(prefix="dlcourse-sandbox-", dir="/tmp") as scratch:
        if os.geteuid() == 0:
            os.chown(scratch, NOBODY, NOBODY)
        read_end, write_end = os.pipe()
        os.write(write_end, b"{}")
        os.close(write_end)
        argv = bwrap_command(spec_data, read_end, scratch, _inner(spec_data, command) if init else command)
        try:
            return subprocess.run(argv, pass_fds=(read_end,), capture_output=True, timeout=timeout, check=False,
                                  stdin=subprocess.DEVNULL)
        finally:
            os.close(read_end)


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None if a sandbox can be made here, else why not (checked once, by starting one)."""
    if platform.system() != "Linux":
        return f"the sandbox needs Linux namespaces; this is {platform.system()}"
    if not shutil.which("bwrap"):
        return "Bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt install bubblewrap)"
    try:
        done = run([sys.executable, "-I", "-S", "-c", "pass"], init=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bwrap could not start a sandbox ({type(err).__name__}: {err})"
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        return f"bwrap could not make a sandbox here ({detail[-1] if detail else f'exit status {done.returncode}'})"
    return None


def require() -> None:
    """Raise SandboxUnavailable, with what to do, where no sandbox can be made."""
    reason = unavailable_reason()
    if reason:
        raise SandboxUnavailable(f"refusing to grade untrusted submissions without a sandbox: {reason}. "
                                 f"Install Bubblewrap on Linux, or pass --no-sandbox. {NO_SANDBOX_RISK}")


if __name__ == "__main__":
    launch(sys.argv[1])
