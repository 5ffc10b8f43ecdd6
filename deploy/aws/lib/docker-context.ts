// The Docker build context's exclusions, read from deploy/docker/dockerignore so that the CDK
// asset and `docker build` send the same files (an allow-list: build trees, node_modules and
// .git stay out of cdk.out).
import * as fs from "fs";
import * as path from "path";

/** The repository root (the Dockerfile's build context), found from wherever this file runs. */
export function findRepoRoot(start: string = __dirname): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, "deploy", "docker", "Dockerfile"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no deploy/docker/Dockerfile above ${start}`);
    dir = parent;
  }
  return dir;
}

export function dockerIgnorePatterns(repoRoot: string): string[] {
  const file = path.join(repoRoot, "deploy", "docker", "dockerignore");
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}
