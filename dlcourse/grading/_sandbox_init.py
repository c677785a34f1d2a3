"""First process in the grading sandbox: set the limits, drop root, then exec the kernel.

Run as ``python -I -S _sandbox_init.py LIMITS_JSON -- COMMAND...`` (standard library only, no
site-packages: it runs before any learner code and must not import anything the sandbox exposes
to change). See :mod:`dlcourse.grading.sandbox`.
"""

import ctypes
import json
import os
import resource
import shutil
import sys

NOBODY = 65534
PR_SET_NO_NEW_PRIVS = 38


def main(argv: list[str]) -> None:
    limits = json.loads(argv[1])
    command = argv[argv.index("--") + 1:]
    home = limits["home"]
    if limits.get("mpl_cache") and os.path.isdir(limits["mpl_cache"]):  # the grader's font list: no rebuild
        target = os.path.join(home, ".cache", "matplotlib")
        os.makedirs(target, exist_ok=True)
        for name in os.listdir(limits["mpl_cache"]):
            if name.startswith("fontlist-") and name.endswith(".json"):
                shutil.copyfile(os.path.join(limits["mpl_cache"], name), os.path.join(target, name))
    for key, value in (("RLIMIT_AS", limits["memory"]), ("RLIMIT_CPU", limits["cpu_seconds"]),
                       ("RLIMIT_NPROC", limits["processes"]), ("RLIMIT_FSIZE", limits["file_size"]),
                       ("RLIMIT_NOFILE", limits["open_files"]), ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, key), (value, value))
    if os.geteuid() == 0:  # bwrap ran as root without a user namespace: become nobody, losing every capability
        for folder, _, files in os.walk(home):
            os.chown(folder, NOBODY, NOBODY)
            for name in files:
                os.chown(os.path.join(folder, name), NOBODY, NOBODY)
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
    ctypes.CDLL(None).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.closerange(3, 1 << 16)
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv)
