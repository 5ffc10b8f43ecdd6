#!/usr/bin/python3
"""Offline checks of deploy/docker: no Docker engine runs where the tests run, so the Dockerfile,
its ignore list and compose.yaml are checked as files, against the built binary and against
each other. Run by tests/e2e/deploy_checks.sh; each subcommand prints what is wrong and exits 1.

  check_docker.py dockerfile
  check_docker.py runtime-libraries SQLCACHE_BINARY
  check_docker.py config SQLCACHE_BINARY
  check_docker.py compose SQLCACHE_BINARY
"""
import fnmatch
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DOCKERFILE = HERE / "Dockerfile"
CONFIG_IN_IMAGE = "/etc/sqlcache/sqlcache.yaml"
PROXY_PORT, ADMIN_PORT = 3307, 9107

# What the brief of the build stage names (deploy/install-deps.sh, build-only subset), and what
# must never reach an image: test servers, test clients, test libraries.
BUILD_PACKAGES = {"build-essential", "cmake", "pkg-config", "libboost-dev", "libssl-dev",
                  "libhiredis-dev", "libyaml-cpp-dev"}
TEST_PACKAGES = {"libgtest-dev", "mariadb-server", "mariadb-client", "redis-server", "redis-tools",
                 "sysbench", "python3-pymysql", "python3-mysqldb", "clang", "clang-format",
                 "libclang-rt-14-dev"}
# Libraries every debian:bookworm-slim image has (priority required, or needed by apt itself).
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}


class Problems:
    def __init__(self, what):
        self.what = what
        self.found = []

    def check(self, condition, message):
        if not condition:
            self.found.append(message)
        return condition

    def finish(self):
        for message in self.found:
            print(f"  {self.what}: {message}")
        if not self.found:
            print(f"  {self.what}: all checks hold")
        return 1 if self.found else 0


# ---- Dockerfile -------------------------------------------------------------------------------

def dockerfile_instructions(text):
    """(INSTRUCTION, arguments) pairs: comments dropped, continuation lines joined."""
    instructions, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        pending += stripped
        keyword, _, rest = pending.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        pending = ""
    return instructions


class Stage:
    def __init__(self, image, name):
        self.image, self.name = image, name
        self.instructions = []

    def all(self, keyword):
        return [args for key, args in self.instructions if key == keyword]


def stages_of(instructions):
    args, stages = {}, []
    for keyword, rest in instructions:
        if keyword == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name] = default
        elif keyword == "FROM":
            words = rest.split()
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m[1] or m[2], ""), words[0])
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(image, name))
        elif stages:
            stages[-1].instructions.append((keyword, rest))
    return stages


def apt_installs(stage):
    """Package lists of every `apt-get install` in a stage, with the RUN text they came from."""
    found = []
    for run in stage.all("RUN"):
        for command in re.split(r"&&|;", run):
            words = command.split()
            if "apt-get" in words and "install" in words:
                packages = [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
                found.append((set(packages), command, run))
    return found


def exec_form(args):
    return yaml.safe_load(args) if args.startswith("[") else None


def dockerignore_rules():
    rules = []
    for line in (HERE / "dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rules.append((line.startswith("!"), line.lstrip("!").rstrip("/")))
    return rules


def ignored(path, rules):
    """Docker's rule: the last pattern that matches a path or one of its parents decides."""
    decision = False
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for negated, pattern in rules:
        if any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
            decision = not negated
    return decision


def check_dockerfile():
    p = Problems("Dockerfile")
    stages = stages_of(dockerfile_instructions(DOCKERFILE.read_text()))
    if not p.check(len(stages) >= 2, "a build stage and a runtime stage (two FROM at least)"):
        return p.finish()
    build, runtime = stages[0], stages[-1]

    for stage in stages:
        image, _, tag = stage.image.partition(":")
        p.check(image == "debian" and tag == "bookworm-slim",
                f"stage {stage.name}: FROM debian:bookworm-slim, not {stage.image!r}")
        p.check(tag not in ("", "latest"), f"stage {stage.name}: an explicit tag, not latest")
    p.check(build.name is not None, "the build stage has a name for COPY --from")

    # Packages: what is built with stays in the build stage.
    for stage in stages:
        for packages, command, run in apt_installs(stage):
            p.check("--no-install-recommends" in command,
                    f"stage {stage.name}: apt-get install --no-install-recommends")
            p.check("apt-get update" in run, f"stage {stage.name}: apt-get update in the same RUN")
            p.check("rm -rf /var/lib/apt/lists" in run,
                    f"stage {stage.name}: the apt lists are removed in the same RUN")
    build_packages = set().union(*[pk for pk, _, _ in apt_installs(build)] or [set()])
    runtime_packages = set().union(*[pk for pk, _, _ in apt_installs(runtime)] or [set()])
    p.check(BUILD_PACKAGES <= build_packages,
            f"build stage installs {sorted(BUILD_PACKAGES - build_packages)}")
    p.check(not (TEST_PACKAGES & (build_packages | runtime_packages)),
            f"no test packages in the image: {sorted(TEST_PACKAGES & (build_packages | runtime_packages))}")
    dev = sorted(pk for pk in runtime_packages if pk.endswith("-dev") or pk in BUILD_PACKAGES)
    p.check(not dev, f"runtime stage has no -dev or build packages: {dev}")
    p.check("ca-certificates" in runtime_packages, "runtime stage has ca-certificates (rediss://)")

    builds = " ".join(build.all("RUN"))
    p.check("-DSQLCACHE_TESTS=OFF" in builds, "build stage configures with -DSQLCACHE_TESTS=OFF")
    p.check("-DCMAKE_BUILD_TYPE=Release" in builds, "build stage builds Release")

    # The runtime stage: non-root, ports, health check, entry point.
    users = runtime.all("USER")
    p.check(users and users[-1].split(":")[0] not in ("root", "0"),
            f"runtime stage runs as a non-root USER, not {users[-1] if users else 'root'}")
    exposed = {int(w.split("/")[0]) for e in runtime.all("EXPOSE") for w in e.split()}
    p.check({PROXY_PORT, ADMIN_PORT} <= exposed, f"EXPOSE {PROXY_PORT} {ADMIN_PORT}, got {sorted(exposed)}")
    checks = runtime.all("HEALTHCHECK")
    p.check(len(checks) == 1 and f":{ADMIN_PORT}/healthz" in checks[0],
            f"one HEALTHCHECK on the admin port's /healthz")
    if checks:
        tool = re.search(r"CMD\s+\[?\s*\"?([\w./-]+)", checks[0])
        p.check(tool and os.path.basename(tool[1]) in runtime_packages,
                f"the health check's tool ({tool[1] if tool else '?'}) is installed in the runtime stage")
    entry = runtime.all("ENTRYPOINT")
    form = exec_form(entry[-1]) if entry else None
    p.check(form is not None, "ENTRYPOINT in exec form (signals reach sqlcache as PID 1)")
    if form:
        p.check(os.path.basename(form[0]) == "sqlcache", f"ENTRYPOINT runs sqlcache, not {form[0]}")
        p.check(" ".join(form[1:]).replace("=", " ").find(f"--config {CONFIG_IN_IMAGE}") >= 0,
                f"ENTRYPOINT reads --config {CONFIG_IN_IMAGE}")
    stop = runtime.all("STOPSIGNAL")
    p.check(not stop or stop[-1] in ("SIGTERM", "15"), "the stop signal is SIGTERM (drain, exit 0)")
    copies = runtime.all("COPY")
    p.check(any(c.startswith(f"--from={build.name}") and "sqlcache" in c for c in copies),
            "runtime stage copies the binary from the build stage")
    p.check(any(CONFIG_IN_IMAGE in c for c in copies), f"the image has a default {CONFIG_IN_IMAGE}")

    # Everything copied from the context exists and is not excluded by the ignore list.
    rules = dockerignore_rules()
    for stage in stages:
        p.check(not [a for a in stage.all("ADD") if "://" in a], "no ADD from URLs")
        for copy in stage.all("COPY"):
            words = [w for w in copy.split() if not w.startswith("--")]
            if copy.startswith("--from"):
                continue
            for source in words[:-1]:
                source = source.rstrip("/")
                p.check((REPO / source).exists(), f"COPY source {source} exists in the repository")
                p.check(not ignored(source, rules), f"COPY source {source} is not in dockerignore")
    for heavy in (".git", "build", "deploy/aws/node_modules", ".local", "bench"):
        p.check(ignored(heavy, rules), f"dockerignore excludes {heavy}")
    buildkit = HERE / "Dockerfile.dockerignore"
    p.check(buildkit.is_file() and not buildkit.is_symlink(),
            "Dockerfile.dockerignore, the list BuildKit reads, is a real file (not a link)")
    p.check((HERE / "dockerignore").read_text() == buildkit.read_text(),
            "dockerignore is the same list as Dockerfile.dockerignore")
    text = DOCKERFILE.read_text()
    p.check(not re.search(r":latest\b", text), "no :latest tags")
    return p.finish()


# ---- the image's libraries ---------------------------------------------------------------------

def package_of(soname):
    out = subprocess.run(["dpkg", "-S", f"*/{soname}"], capture_output=True, text=True).stdout
    owners = {line.split(":")[0] for line in out.splitlines()
              if line.rsplit("/", 1)[-1].strip() == soname}
    return owners


def check_runtime_libraries(binary):
    """Every shared library the built binary needs comes from a package of the runtime stage
    (or the base image). This machine is Debian 12 like the image, so dpkg maps sonames the same."""
    p = Problems("runtime libraries")
    stages = stages_of(dockerfile_instructions(DOCKERFILE.read_text()))
    runtime_packages = set().union(*[pk for pk, _, _ in apt_installs(stages[-1])] or [set()])
    out = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
    p.check(needed, f"readelf found the NEEDED libraries of {binary}")
    for soname in needed:
        owners = {o for o in package_of(soname) if not o.endswith("-dev")}
        p.check(owners, f"{soname}: owned by a Debian package")
        if owners:
            p.check(owners & (runtime_packages | BASE_IMAGE_PACKAGES),
                    f"{soname} (from {', '.join(sorted(owners))}) is installed in the runtime stage")
    print(f"  runtime libraries: {', '.join(needed)}")
    return p.finish()


# ---- configuration and compose -----------------------------------------------------------------

def check_config(binary, path, env, extra=()):
    """Runs `sqlcache --check-config` on a file with exactly the given environment."""
    result = subprocess.run([binary, "--check-config", str(path), *extra], env=env,
                            capture_output=True, text=True, timeout=30)
    return result.returncode == 0, (result.stdout + result.stderr).strip()


def config_ports(path, env):
    """The listen and admin ports of a config file, with ${VAR:-default} taken from env."""
    def expand(value):
        return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}",
                      lambda m: env.get(m[1]) or (m[2] or ""), str(value))
    data = yaml.safe_load(Path(path).read_text()) or {}
    listen = data.get("listen", "127.0.0.1:3307")
    listen = listen if isinstance(listen, list) else [listen]
    admin = expand((data.get("admin") or {}).get("listen", ""))
    shutdown = expand(data.get("shutdown_grace", "10s"))
    return ({int(expand(a).rsplit(":", 1)[1]) for a in listen},
            int(admin.rsplit(":", 1)[1]) if admin else None, seconds(shutdown))


def seconds(duration):
    total = 0
    for number, unit in re.findall(r"(\d+)(ms|s|m|h|d)?", str(duration)):
        total += int(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}[unit]
    return total


def check_image_config(binary):
    p = Problems("config")
    config = HERE / "sqlcache.yaml"
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    ok, out = check_config(binary, config, base)
    p.check(ok, f"the image's default config is valid with no environment: {out}")
    ok, out = check_config(binary, config, base, ["--store", "memory"])
    p.check(ok, f"the image's config is valid with --store memory (no Redis): {out}")
    ecs_like = dict(base, SQLCACHE_BACKEND_HOST="db.xxxx.eu-west-1.rds.amazonaws.com",
                    SQLCACHE_BACKEND_PORT="3306", REDIS_PASSWORD="token",
                    SQLCACHE_STORE="rediss://master.cache.xxxx.euw1.cache.amazonaws.com:6379",
                    ADMIN_TOKEN="admin")
    ok, out = check_config(binary, config, ecs_like)
    p.check(ok, f"the image's config is valid with ECS's environment (deploy/aws): {out}")
    bad = dict(base, SQLCACHE_BACKEND_PORT="not-a-port")
    ok, _ = check_config(binary, config, bad)
    p.check(not ok, "a bad SQLCACHE_BACKEND_PORT is rejected (the check can fail)")
    listen, admin, _ = config_ports(config, {})
    p.check(listen == {PROXY_PORT} and admin == ADMIN_PORT,
            f"the config listens on {PROXY_PORT} and serves admin on {ADMIN_PORT}: {listen}, {admin}")
    return p.finish()


def interpolate(value, env):
    """Compose's ${VAR}, ${VAR:-default} and $$, enough for this file."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value
    value = re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", lambda m: env.get(m[1]) or (m[2] or ""), value)
    return value.replace("$$", "$")


def as_dict(environment):
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {k: "" if v is None else str(v) for k, v in (environment or {}).items()}


def check_compose(binary):
    p = Problems("compose")
    compose_file = HERE / "compose.yaml"
    raw = yaml.safe_load(compose_file.read_text())
    doc = interpolate(raw, {})  # the defaults, as with no .env file
    services = doc.get("services", {})
    p.check(set(services) == {"mariadb", "redis", "sqlcache"},
            f"services mariadb, redis and sqlcache: {sorted(services)}")
    if p.found:
        return p.finish()
    mariadb, redis, proxy = services["mariadb"], services["redis"], services["sqlcache"]
    for name, service in services.items():
        image = service.get("image", "")
        p.check(":" in image and not image.endswith(":latest"), f"{name}: a pinned image tag ({image})")
        p.check("healthcheck" in service and service["healthcheck"].get("test"), f"{name}: a healthcheck")
    p.check(mariadb.get("image", "").startswith("mariadb:10.11"), "MariaDB 10.11 (official image)")
    p.check(re.match(r"redis:7(\.|$)", redis.get("image", "")), "Redis 7 (official image)")

    db_env = as_dict(mariadb.get("environment"))
    p.check(db_env.get("MARIADB_USER") == "sqlcache" and db_env.get("MARIADB_PASSWORD") == "sqlcache",
            "MariaDB has the user sqlcache/sqlcache")
    init_scripts = {}
    for volume in mariadb.get("volumes", []):
        source, target = volume.split(":")[:2]
        if target.startswith("/docker-entrypoint-initdb.d/"):
            init_scripts[target] = (HERE / source).resolve()
    schema = (REPO / "deploy/local/sample-schema.sql").resolve()
    p.check(schema in init_scripts.values(), "deploy/local/sample-schema.sql is an init script")
    for target, source in init_scripts.items():
        p.check(source.is_file(), f"init script {source} exists")

    build = proxy.get("build", {})
    p.check((HERE / build.get("context", ".")).resolve() == REPO, "sqlcache builds from the repository root")
    p.check(build.get("dockerfile") == "deploy/docker/Dockerfile", "sqlcache builds deploy/docker/Dockerfile")
    mounts = {v.split(":")[1]: (HERE / v.split(":")[0]).resolve() for v in proxy.get("volumes", [])}
    p.check(mounts.get(CONFIG_IN_IMAGE) == (HERE / "sqlcache.yaml").resolve(),
            f"deploy/docker/sqlcache.yaml is mounted at {CONFIG_IN_IMAGE}")
    depends = proxy.get("depends_on", {})
    for dependency in ("mariadb", "redis"):
        p.check(isinstance(depends, dict) and
                depends.get(dependency, {}).get("condition") == "service_healthy",
                f"sqlcache waits for {dependency} to be healthy")
    check = " ".join(proxy.get("healthcheck", {}).get("test", []))
    p.check(f":{ADMIN_PORT}/readyz" in check or f":{ADMIN_PORT}/healthz" in check,
            "sqlcache's healthcheck asks its admin endpoint")

    # The proxy's environment makes a valid config that points at the other two services.
    env = as_dict(proxy.get("environment"))
    ok, out = check_config(binary, HERE / "sqlcache.yaml", dict(env, PATH=os.environ.get("PATH", "")))
    p.check(ok, f"sqlcache.yaml is valid with the compose environment: {out}")
    p.check(env.get("SQLCACHE_BACKEND_HOST") == "mariadb", "the backend is the mariadb service")
    p.check(re.match(r"redis://redis(:6379)?$", env.get("SQLCACHE_STORE", "")), "the store is the redis service")
    command = redis.get("command", [])
    command = shlex.split(command) if isinstance(command, str) else command
    password = command[command.index("--requirepass") + 1] if "--requirepass" in command else None
    p.check(password and env.get("REDIS_PASSWORD") == password,
            "sqlcache's REDIS_PASSWORD is the password Redis requires")
    policy = command[command.index("--maxmemory-policy") + 1] if "--maxmemory-policy" in command else ""
    p.check(policy.startswith("volatile-"), "Redis evicts only keys with a TTL (generations have none)")

    listen, admin, grace = config_ports(HERE / "sqlcache.yaml", env)
    published = {int(port.split(":")[-1].split("/")[0]) for port in proxy.get("ports", [])}
    p.check(listen | {admin} <= published, f"ports {sorted(listen | {admin})} are published: {sorted(published)}")
    p.check(all(str(port).startswith("127.0.0.1:") for s in services.values() for port in s.get("ports", [])),
            "published ports bind to loopback only")
    p.check(seconds(proxy.get("stop_grace_period", "10s")) > grace,
            f"stop_grace_period is longer than shutdown_grace ({grace}s)")
    return p.finish()


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    command = argv[1]
    if command == "dockerfile":
        return check_dockerfile()
    if command == "runtime-libraries":
        return check_runtime_libraries(argv[2])
    if command == "config":
        return check_image_config(argv[2])
    if command == "compose":
        return check_compose(argv[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
