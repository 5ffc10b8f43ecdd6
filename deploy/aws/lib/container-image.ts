// Which image the task runs. An ECR URI becomes an ECR image, so that the task's execution
// role is granted the pull (a plain registry image would fail to pull from a private ECR
// repository); any other URI is pulled as is; no URI builds deploy/docker/Dockerfile.
import * as ecr from "aws-cdk-lib/aws-ecr";
import * as ecs from "aws-cdk-lib/aws-ecs";
import { Construct } from "constructs";
import { dockerIgnorePatterns, findRepoRoot } from "./docker-context";

const ECR_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._\/-]+)(?::([\w.-]+)|@(sha256:[0-9a-f]{64}))$/;

export function proxyImage(scope: Construct, imageUri?: string): ecs.ContainerImage {
  if (!imageUri) {
    const root = findRepoRoot();
    return ecs.ContainerImage.fromAsset(root, {
      file: "deploy/docker/Dockerfile",
      exclude: dockerIgnorePatterns(root),
    });
  }
  const parts = ECR_URI.exec(imageUri);
  if (!parts) return ecs.ContainerImage.fromRegistry(imageUri);
  const [, account, region, name, tag, digest] = parts;
  const repository = ecr.Repository.fromRepositoryAttributes(scope, "ImageRepository", {
    repositoryName: name,
    repositoryArn: `arn:aws:ecr:${region}:${account}:repository/${name}`,
  });
  return ecs.ContainerImage.fromEcrRepository(repository, tag ?? digest);
}
