#!/usr/bin/env node
// The CDK app: `npx cdk synth -c imageUri=ACCOUNT.dkr.ecr.REGION.amazonaws.com/sqlcache:0.1.0`.
// Without imageUri the image is built from deploy/docker/Dockerfile, which needs Docker.
import { App } from "aws-cdk-lib";
import { SqlcacheStack } from "../lib/sqlcache-stack";

const app = new App();
const context = (name: string): string | undefined => {
  const value = app.node.tryGetContext(name);
  return typeof value === "string" && value !== "" ? value : undefined;
};
const desired = context("desiredCount");

new SqlcacheStack(app, context("stackName") ?? "Sqlcache", {
  imageUri: context("imageUri"),
  clientCidr: context("clientCidr"),
  desiredCount: desired ? Number(desired) : undefined,
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  },
});
app.synth();
