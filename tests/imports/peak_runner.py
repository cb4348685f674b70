"""Run a command under an address-space limit and write its peak resident memory (KiB) to a file.

usage: python peak_runner.py LIMIT_BYTES PEAK_FILE COMMAND...

The test process is large after hundreds of tests, and on Linux a forked child's peak (ru_maxrss)
starts at its parent's size; this small launcher forks the command itself, so the figure is the
command's own."""
import os
import resource
import sys


def main():
    limit, peak_file, *command = sys.argv[1:]
    pid = os.fork()
    if pid == 0:
        resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
        os.execv(command[0], command)
    _pid, status, usage = os.wait4(pid, 0)
    with open(peak_file, "w") as out:
        out.write(str(usage.ru_maxrss))
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
