"""CPU and wall time of one password verification, for each of OWASP's equivalent Argon2id sets.

    .venv/bin/python bench/passwords.py [--rounds 40]          (make bench-passwords)

The portal hashes passwords with ``auth.models.PASSWORD_PARAMETERS``; OWASP's Password Storage
Cheat Sheet lists five Argon2id sets it holds equal in strength (memory traded for passes). This
prints, for each, the median and p95 of one ``verify`` (as a sign-in makes it), in CPU
(``time.process_time``) and wall time, and its ratio to the set the portal uses. Run it on the
host that will serve: the cost of a large buffer depends on the C library and the kernel.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from argon2 import PasswordHasher

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.auth.models import PASSWORD_PARAMETERS

OWASP_SETS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))  # (KiB, passes)


def measure(memory_cost: int, time_cost: int, rounds: int) -> tuple[list[float], list[float]]:
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
    stored = hasher.hash("correct horse battery staple")
    hasher.verify(stored, "correct horse battery staple")  # warm-up
    cpu, wall = [], []
    for _ in range(rounds):
        started, clock = time.process_time(), time.perf_counter()
        hasher.verify(stored, "correct horse battery staple")
        cpu.append((time.process_time() - started) * 1000)
        wall.append((time.perf_counter() - clock) * 1000)
    return cpu, wall


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args(argv)
    results = {pair: measure(*pair, args.rounds) for pair in OWASP_SETS}
    used = (PASSWORD_PARAMETERS["memory_cost"], PASSWORD_PARAMETERS["time_cost"])
    base = statistics.median(results[used][0])
    print("%d verifications per set; ms per verification" % args.rounds)
    print("| memory | passes | CPU p50 | CPU p95 | wall p50 | CPU / portal's |")
    print("|---:|---:|---:|---:|---:|---:|")
    for (memory, passes), (cpu, wall) in results.items():
        mark = " (portal)" if (memory, passes) == used else ""
        print("| %d MiB%s | %d | %.1f | %.1f | %.1f | %.2fx |" % (
            memory // 1024, mark, passes, statistics.median(cpu),
            statistics.quantiles(cpu, n=20)[18], statistics.median(wall),
            statistics.median(cpu) / base))


if __name__ == "__main__":
    main()
