#!/usr/bin/python3
"""Builds and runs deploy/docker/Dockerfile without a Docker engine: each stage's root file
system starts as a Debian 12 minbase made by debootstrap (what debian:bookworm-slim is made
from), and the Dockerfile's own instructions are carried out in it with chroot: RUN, COPY (from
the context, through dockerignore, or --from a stage), WORKDIR, USER. Then the image is started
the way a container runtime would: its ENTRYPOINT as its USER, on a read-only root, in a
network namespace of its own, and its HEALTHCHECK command is run against it, then SIGTERM.

This proves that the package lists, the build commands and the runtime stage work; it is not
Docker (no layers, no cgroups, no overlay). It downloads some 300 MB from Debian's mirror and
compiles sqlcache on one core: minutes, so tests/e2e/deploy_checks.sh runs it only when
SQLCACHE_DEPLOY_ROOTFS=1. Needs root (chroot, unshare, mount) and debootstrap.

  rootfs_build.py [--work DIR] [--keep]
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_docker import (DOCKERFILE, REPO, dockerfile_instructions, dockerignore_rules,  # noqa: E402
                          exec_form, ignored, stages_of)

MIRROR = "http://deb.debian.org/debian"
# The apt sources of the debian:bookworm-slim image (debootstrap only writes the first).
SOURCES = """Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


def log(message):
    print(f"rootfs_build: {message}", flush=True)


def sh(command, **kwargs):
    return subprocess.run(command, check=True, **kwargs)


def base_rootfs(work):
    """debootstrap once; later runs reuse it (the marker says it finished)."""
    base = work / "base"
    if (base / ".complete").exists():
        return base
    shutil.rmtree(base, ignore_errors=True)
    log(f"debootstrap --variant=minbase bookworm {base}")
    sh(["debootstrap", "--variant=minbase", "bookworm", str(base), MIRROR],
       stdout=subprocess.DEVNULL)
    (base / "etc/apt/sources.list").unlink(missing_ok=True)
    (base / "etc/apt/sources.list.d/debian.sources").write_text(SOURCES)
    # Like the slim image: no recommends unless asked, no documentation.
    (base / "etc/apt/apt.conf.d/90no-recommends").write_text('APT::Install-Recommends "false";\n')
    (base / ".complete").touch()
    return base


def in_chroot(root, command, workdir="/", user=None, env=None, cpus="0"):
    """One RUN: a private mount namespace with /proc and /dev, the host's resolver, one core
    (nproc says 1: the machine is shared)."""
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
    userspec = f"--userspec={user} " if user else ""
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
    script = (f"mount -t proc proc {root}/proc && mount --rbind /dev {root}/dev && "
              f"exec chroot {userspec}{root} /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:"
              f"/usr/sbin:/usr/bin:/sbin:/bin HOME=/root {exports} /bin/sh -c "
              f"{shlex.quote(f'cd {workdir} && {command}')}")
    sh(["taskset", "-c", cpus, "unshare", "--mount", "--fork", "sh", "-c", script])


def copy_context(sources, destination, root, workdir):
    rules = dockerignore_rules()
    target = Path(destination if destination.startswith("/") else f"{workdir}/{destination}")
    for source in sources:
        path = REPO / source
        name = source.rstrip("/")
        if path.is_dir():
            # COPY dir/ dest/ copies the directory's contents into dest.
            for file in path.rglob("*"):
                relative = file.relative_to(REPO).as_posix()
                if file.is_file() and not ignored(relative, rules):
                    out = root / str(target).lstrip("/") / file.relative_to(path)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(file, out)
        elif not ignored(name, rules):
            out = root / str(target).lstrip("/")
            if destination.endswith("/"):
                out = out / path.name
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out)


def build(work):
    base = base_rootfs(work)
    stages = stages_of(dockerfile_instructions(DOCKERFILE.read_text()))
    roots, images = {}, {}
    for index, stage in enumerate(stages):
        name = stage.name or str(index)
        root = work / f"stage-{name}"
        shutil.rmtree(root, ignore_errors=True)
        sh(["cp", "-a", str(base), str(root)])
        workdir, user, env, image = "/", None, {}, {}
        for keyword, args in stage.instructions:
            if keyword == "RUN":
                log(f"[{name}] RUN {args[:100]}{'...' if len(args) > 100 else ''}")
                started = time.monotonic()
                in_chroot(root, args, workdir, user, env)
                log(f"[{name}]     done in {time.monotonic() - started:.0f}s")
            elif keyword == "WORKDIR":
                workdir = args if args.startswith("/") else f"{workdir}/{args}"
                (root / workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
            elif keyword == "COPY":
                words = shlex.split(args)
                origin = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
                words = [w for w in words if not w.startswith("--")]
                *sources, destination = words
                log(f"[{name}] COPY {args}")
                if origin:
                    for source in sources:
                        out = root / destination.lstrip("/")
                        out.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(roots[origin] / source.lstrip("/"), out)
                else:
                    copy_context(sources, destination, root, workdir)
            elif keyword == "USER":
                user = args
            elif keyword == "ENV":
                key, _, value = args.partition("=")
                env[key.strip()] = value.strip().strip('"')
            elif keyword in ("ENTRYPOINT", "CMD", "HEALTHCHECK", "EXPOSE", "STOPSIGNAL"):
                image[keyword] = args
            else:
                log(f"[{name}] {keyword} not modelled, ignored")
        roots[name] = root
        images[name] = dict(image, USER=user, WORKDIR=workdir, ENV=env)
    final = stages[-1].name or str(len(stages) - 1)
    return roots[final], images[final]


def run_image(root, image):
    """The container: entry point as its user, read-only root, its own network namespace with
    only loopback; the HEALTHCHECK command against it; SIGTERM; the exit code."""
    entry = exec_form(image["ENTRYPOINT"])
    check = image["HEALTHCHECK"].split(" CMD ", 1)[1].strip()
    check_argv = exec_form(check) or ["/bin/sh", "-c", check]
    user = image.get("USER") or "0:0"
    quote = " ".join
    script = f"""
set -u
ip link set lo up
mount -t proc proc /proc
mount --bind {root} {root} && mount -o remount,bind,ro {root}
mount -t proc proc {root}/proc
mount --rbind /dev {root}/dev
# As `docker run IMAGE` with no arguments: no database, no Redis (the proxy fails open).
chroot --userspec={user} {root} /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin \
  {quote(shlex.quote(a) for a in entry)} &
proxy=$!
healthy=no
for attempt in $(seq 1 50); do
  if chroot --userspec={user} {root} {quote(shlex.quote(a) for a in check_argv)} >/dev/null 2>&1; then
    healthy=yes; break
  fi
  sleep 0.2
done
echo "healthcheck: $healthy"
echo "user: $(stat -c %u /proc/$proxy)"
touch {root}/probe 2>/dev/null && echo "root: writable" || echo "root: read-only"
kill -TERM $proxy
wait $proxy
echo "exit: $?"
"""
    result = subprocess.run(["unshare", "--net", "--mount", "--pid", "--fork", "sh", "-c", script],
                            capture_output=True, text=True, timeout=120)
    return result.stdout, result.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default="/var/tmp/sqlcache-rootfs",
                        help="where the root file systems live (the debootstrap is kept)")
    parser.add_argument("--keep", action="store_true", help="keep the stage root file systems")
    options = parser.parse_args()
    if os.geteuid() != 0:
        print("rootfs_build: needs root (chroot, unshare, mount)", file=sys.stderr)
        return 1
    work = Path(options.work)
    work.mkdir(parents=True, exist_ok=True)
    try:
        root, image = build(work)
        size = subprocess.run(["du", "-sm", str(root)], capture_output=True, text=True).stdout.split()[0]
        log(f"runtime root file system: {size} MiB (debootstrap's minbase keeps more than the slim image)")
        stdout, stderr = run_image(root, image)
        print(stdout.strip())
        problems = []
        if "healthcheck: yes" not in stdout:
            problems.append("the HEALTHCHECK command never succeeded")
        if "exit: 0" not in stdout:
            problems.append("sqlcache did not exit 0 on SIGTERM")
        if "user: 10001" not in stdout:
            problems.append("sqlcache did not run as the image's user (uid 10001)")
        if "root: read-only" not in stdout:
            problems.append("the root file system was not read-only (the run proves nothing about it)")
        for problem in problems:
            print(f"  rootfs: {problem}")
        if problems:
            print(stderr[-3000:])
            return 1
        print("  rootfs: the image builds from its Dockerfile, starts, passes its health check, "
              "and stops on SIGTERM with 0")
        return 0
    finally:
        if not options.keep:
            for stage in work.glob("stage-*"):
                shutil.rmtree(stage, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
