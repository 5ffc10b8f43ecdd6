#!/usr/bin/python3
"""Offline checks of deploy/kubernetes (no cluster where the tests run): every document
parses, has the expected kind and apiVersion, and the pieces agree with each other and with
sqlcache (probe paths and ports, the config in the ConfigMap, names, labels, grace periods).
Run by tests/e2e/deploy_checks.sh; prints what is wrong and exits 1.

  check_manifests.py SQLCACHE_BINARY
"""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
EXPECTED = {
    "configmap.yaml": ("v1", "ConfigMap"),
    "secret.yaml": ("v1", "Secret"),
    "deployment.yaml": ("apps/v1", "Deployment"),
    "service.yaml": ("v1", "Service"),
    "pdb.yaml": ("policy/v1", "PodDisruptionBudget"),
    "hpa.yaml": ("autoscaling/v2", "HorizontalPodAutoscaler"),
}
CONFIG_DIR, CONFIG_FILE = "/etc/sqlcache", "sqlcache.yaml"


def seconds(duration):
    total = 0.0
    for number, unit in re.findall(r"(\d+)(ms|s|m|h|d)?", str(duration)):
        total += int(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}[unit]
    return total


def port_of(address):
    return int(str(address).rsplit(":", 1)[1])


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    binary = argv[1]
    problems = []

    def check(condition, message):
        if not condition:
            problems.append(message)
        return condition

    docs = {}
    for name, (api_version, kind) in EXPECTED.items():
        try:
            loaded = [d for d in yaml.safe_load_all((HERE / name).read_text()) if d is not None]
        except (OSError, yaml.YAMLError) as e:
            check(False, f"{name}: {e}")
            continue
        if check(len(loaded) == 1, f"{name}: one document, found {len(loaded)}"):
            doc = loaded[0]
            check(doc.get("apiVersion") == api_version and doc.get("kind") == kind,
                  f"{name}: {api_version} {kind}, not {doc.get('apiVersion')} {doc.get('kind')}")
            check(doc.get("metadata", {}).get("name"), f"{name}: metadata.name")
            docs[kind] = doc
    kustomization = yaml.safe_load((HERE / "kustomization.yaml").read_text())
    check(sorted(kustomization.get("resources", [])) == sorted(EXPECTED),
          "kustomization.yaml lists every manifest")
    if problems:
        return finish(problems)

    configmap, secret, deployment = docs["ConfigMap"], docs["Secret"], docs["Deployment"]
    service, pdb, hpa = docs["Service"], docs["PodDisruptionBudget"], docs["HorizontalPodAutoscaler"]
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    containers = pod.get("containers", [])
    if not check(len(containers) == 1, "one container in the pod"):
        return finish(problems)
    container = containers[0]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}

    # The configuration: valid for sqlcache with the Secret's variables, and agreeing with the
    # container's ports.
    config_text = configmap.get("data", {}).get(CONFIG_FILE)
    check(config_text, f"the ConfigMap has {CONFIG_FILE}")
    config = yaml.safe_load(config_text or "") or {}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env.update({k: str(v) for k, v in (secret.get("stringData") or {}).items()})
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write(config_text or "")
        f.flush()
        result = subprocess.run([binary, "--check-config", f.name], env=env, capture_output=True,
                                text=True, timeout=30)
    check(result.returncode == 0, f"sqlcache --check-config of the ConfigMap: {result.stderr.strip()}")
    listen = config.get("listen", "")
    check(isinstance(listen, str) and listen.startswith("0.0.0.0:"),
          "sqlcache listens on every pod address (0.0.0.0)")
    admin = (config.get("admin") or {}).get("listen", "")
    check(str(admin).startswith("0.0.0.0:"), "the admin endpoint listens on the pod address (probes)")
    check(ports.get("mysql") == port_of(listen), f"container port mysql is the listen port {listen}")
    check(ports.get("admin") == port_of(admin), f"container port admin is admin.listen {admin}")
    referenced = set(re.findall(r"\$\{(\w+)\}", config_text or ""))
    check(referenced <= set(secret.get("stringData", {})),
          f"the Secret provides {sorted(referenced)} for the config")
    for key, value in (secret.get("stringData") or {}).items():
        check("REPLACE-ME" in str(value), f"secret.yaml's {key} is an obvious placeholder")

    # Deployment.
    check(spec.get("replicas") == 3, "3 replicas")
    check(spec["selector"]["matchLabels"].items() <= labels.items(), "the selector matches the pod labels")
    for probe_name, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        probe = container.get(probe_name, {}).get("httpGet", {})
        check(probe.get("path") == path and probe.get("port") in ("admin", ports.get("admin")),
              f"{probe_name} asks {path} on the admin port")
    resources = container.get("resources", {})
    for kind in ("requests", "limits"):
        check({"cpu", "memory"} <= set(resources.get(kind, {})), f"resources.{kind} has cpu and memory")
    context, pod_context = container.get("securityContext", {}), pod.get("securityContext", {})
    check(pod_context.get("runAsNonRoot") is True or context.get("runAsNonRoot") is True, "runAsNonRoot")
    check((pod_context.get("runAsUser") or context.get("runAsUser") or 0) != 0, "a non-zero runAsUser")
    check(context.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem")
    check(context.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation: false")
    check("ALL" in context.get("capabilities", {}).get("drop", []), "capabilities drop ALL")
    image = container.get("image", "")
    check(":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), f"a pinned image tag: {image}")
    check({"secretRef": {"name": secret["metadata"]["name"]}} in container.get("envFrom", []),
          "the environment comes from the Secret")
    mounts = {m["name"]: m for m in container.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    config_volumes = [n for n, v in volumes.items()
                      if v.get("configMap", {}).get("name") == configmap["metadata"]["name"]]
    check(config_volumes, "a volume from the ConfigMap")
    for name in config_volumes:
        mount = mounts.get(name, {})
        check(mount.get("mountPath") == CONFIG_DIR and not mount.get("subPath"),
              f"the ConfigMap is mounted as the directory {CONFIG_DIR} (no subPath: updates reach it)")
    # The image's entry point reads /etc/sqlcache/sqlcache.yaml; the pod must not replace it.
    check("command" not in container, "the image's entry point (sqlcache --config ...) is kept")

    # Shutdown: endpoints drain during preStop, then SIGTERM drains sessions for shutdown_grace;
    # the kubelet must not SIGKILL before both are over.
    pre_stop = container.get("lifecycle", {}).get("preStop", {})
    command = pre_stop.get("exec", {}).get("command", [])
    sleep = seconds(command[-1]) if command and command[0].endswith("sleep") else \
        pre_stop.get("sleep", {}).get("seconds", 0)
    check(sleep >= 5, "preStop sleeps so that endpoint removal propagates first")
    grace = seconds(config.get("shutdown_grace", "10s"))
    termination = pod.get("terminationGracePeriodSeconds", 30)
    check(termination > sleep + grace,
          f"terminationGracePeriodSeconds ({termination}) > preStop ({sleep}) + shutdown_grace ({grace})")

    # Service, PDB, HPA point at the same pods and the same Deployment.
    check(service["spec"].get("selector", {}).items() <= labels.items(), "the Service selects the pods")
    service_ports = {p["name"]: p for p in service["spec"].get("ports", [])}
    check(service_ports.get("mysql", {}).get("targetPort") in ("mysql", ports.get("mysql")),
          "the Service's mysql port targets the container's")
    check(service_ports.get("mysql", {}).get("port") == 3307, "the Service exposes 3307")
    check(pdb["spec"].get("selector", {}).get("matchLabels", {}).items() <= labels.items(),
          "the PodDisruptionBudget selects the pods")
    check(("minAvailable" in pdb["spec"]) != ("maxUnavailable" in pdb["spec"]),
          "the PodDisruptionBudget sets one of minAvailable or maxUnavailable")
    target = hpa["spec"].get("scaleTargetRef", {})
    check(target.get("kind") == "Deployment" and target.get("name") == deployment["metadata"]["name"]
          and target.get("apiVersion") == "apps/v1", "the HPA scales the Deployment")
    metrics = hpa["spec"].get("metrics", [])
    check(any(m.get("type") == "Resource" and m["resource"]["name"] == "cpu" for m in metrics),
          "the HPA scales on CPU")
    check(hpa["spec"].get("minReplicas", 1) <= spec["replicas"] <= hpa["spec"].get("maxReplicas", 0),
          "the HPA's range contains the Deployment's replicas")
    cpu_request = resources.get("requests", {}).get("cpu")
    check(cpu_request, "a CPU request (the HPA's utilisation is relative to it)")
    return finish(problems)


def finish(problems):
    for problem in problems:
        print(f"  kubernetes: {problem}")
    if not problems:
        print("  kubernetes: all checks hold")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
