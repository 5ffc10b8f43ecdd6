// Synthesises the stack offline (no AWS account, no Docker: the image is a URI) and checks what
// the deployment promises: encrypted, authenticated Redis; MySQL 8.0 with its credentials in
// Secrets Manager; the proxy on Fargate behind an internal NLB; and network rules that let
// only the proxy reach the database and the cache.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { SqlcacheStack } from "../lib/sqlcache-stack";

const IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sqlcache:0.1.0";
const CLIENTS = "10.20.0.0/16";

// One synthesis for every test: it takes seconds.
const stack = new SqlcacheStack(new App(), "Test", { imageUri: IMAGE, clientCidr: CLIENTS });
const template = Template.fromStack(stack);
const resources: Record<string, { Type: string; Properties?: any }> = template.toJSON().Resources;

function logicalIdOf(type: string, description: string): string {
  const ids = Object.keys(template.findResources(type, { Properties: { GroupDescription: description } }));
  assert.equal(ids.length, 1, `one ${type} described '${description}'`);
  return ids[0];
}

/** A security group reference ({Fn::GetAtt: [id, GroupId]}) or a CIDR, as a readable name. */
function peerName(rule: any, names: Record<string, string>): string {
  const group = rule.SourceSecurityGroupId ?? rule.DestinationSecurityGroupId;
  if (group) {
    const id = group["Fn::GetAtt"]?.[0];
    return names[id] ?? `unknown group ${JSON.stringify(group)}`;
  }
  const cidr = rule.CidrIp ?? rule.CidrIpv6;
  if (typeof cidr === "string") return cidr;
  if (cidr?.["Fn::GetAtt"]?.[1] === "CidrBlock") return "vpc";
  return JSON.stringify(cidr);
}

/** Every rule of one direction, inline in a group or a separate resource, as "group <- peer:port". */
function rules(direction: "Ingress" | "Egress"): string[] {
  const names: Record<string, string> = {
    [logicalIdOf("AWS::EC2::SecurityGroup", "sqlcache NLB: MySQL clients in")]: "nlb",
    [logicalIdOf("AWS::EC2::SecurityGroup", "sqlcache proxy tasks")]: "proxy",
    [logicalIdOf("AWS::EC2::SecurityGroup", "RDS MySQL behind sqlcache")]: "database",
    [logicalIdOf("AWS::EC2::SecurityGroup", "ElastiCache Redis for sqlcache")]: "cache",
  };
  const arrow = direction === "Ingress" ? "<-" : "->";
  const describe = (group: string, rule: any) => {
    const ports = rule.FromPort === rule.ToPort ? `${rule.FromPort}` : `${rule.FromPort}-${rule.ToPort}`;
    return `${group} ${arrow} ${peerName(rule, names)} ${rule.IpProtocol}/${ports}`;
  };
  const found: string[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type === "AWS::EC2::SecurityGroup") {
      const group = names[id] ?? `unknown group ${id}`;
      for (const rule of resource.Properties?.[`SecurityGroup${direction}`] ?? []) {
        found.push(describe(group, rule));
      }
    } else if (resource.Type === `AWS::EC2::SecurityGroup${direction}`) {
      const group = names[resource.Properties?.GroupId?.["Fn::GetAtt"]?.[0]] ?? "unknown group";
      found.push(describe(group, resource.Properties));
    }
  }
  return found.sort();
}

test("the VPC has private subnets for the proxy and isolated ones for the data", () => {
  template.resourceCountIs("AWS::EC2::VPC", 1);
  const subnets = Object.values(template.findResources("AWS::EC2::Subnet"));
  const publicSubnets = subnets.filter((s) => s.Properties.MapPublicIpOnLaunch === true);
  assert.equal(subnets.length, 6, "three tiers in two zones");
  assert.equal(publicSubnets.length, 2, "only the NAT gateway's tier is public");
});

test("Redis is a replication group with TLS in transit and an AUTH token from Secrets Manager", () => {
  template.hasResourceProperties("AWS::ElastiCache::ReplicationGroup", {
    Engine: "redis",
    TransitEncryptionEnabled: true,
    AtRestEncryptionEnabled: true,
    AutomaticFailoverEnabled: true,
    Port: 6379,
    AuthToken: {
      "Fn::Join": ["", Match.arrayWith([Match.stringLikeRegexp("resolve:secretsmanager:")])],
    },
  });
  // The token's secret is the one the proxy receives as REDIS_PASSWORD.
  const group = Object.values(template.findResources("AWS::ElastiCache::ReplicationGroup"))[0];
  const tokenSecret = group.Properties.AuthToken["Fn::Join"][1][1].Ref;
  assert.equal(resources[tokenSecret]?.Type, "AWS::SecretsManager::Secret");
  const container = taskContainer();
  const password = container.Secrets.find((s: any) => s.Name === "REDIS_PASSWORD");
  assert.deepEqual(password?.ValueFrom, { Ref: tokenSecret });
});

test("Redis evicts only keys with a TTL, never sqlcache's generation counters", () => {
  template.hasResourceProperties("AWS::ElastiCache::ParameterGroup", {
    CacheParameterGroupFamily: "redis7",
    Properties: { "maxmemory-policy": Match.stringLikeRegexp("^volatile-") },
  });
});

test("the database is RDS MySQL 8.0 with generated credentials in Secrets Manager", () => {
  template.hasResourceProperties("AWS::RDS::DBInstance", {
    Engine: "mysql",
    EngineVersion: Match.stringLikeRegexp("^8\\.0"),
    StorageEncrypted: true,
    PubliclyAccessible: false,
    MasterUserPassword: {
      "Fn::Join": ["", Match.arrayWith([Match.stringLikeRegexp("resolve:secretsmanager:")])],
    },
  });
  template.hasResourceProperties("AWS::SecretsManager::SecretTargetAttachment", {
    TargetType: "AWS::RDS::DBInstance",
  });
});

/** A string as CloudFormation will resolve it, for the pseudo parameters used here. */
function resolved(value: any): string {
  if (typeof value === "string") return value;
  if (value?.Ref === "AWS::URLSuffix") return "amazonaws.com";
  if (value?.["Fn::Join"]) return value["Fn::Join"][1].map(resolved).join(value["Fn::Join"][0]);
  return JSON.stringify(value);
}

function taskContainer(from: Template = template): any {
  const tasks = Object.values(from.findResources("AWS::ECS::TaskDefinition"));
  assert.equal(tasks.length, 1);
  const containers = tasks[0].Properties.ContainerDefinitions;
  assert.equal(containers.length, 1);
  return containers[0];
}

test("the proxy runs on Fargate from the given image, non-root, with the backend and store from the stack", () => {
  template.hasResourceProperties("AWS::ECS::Service", {
    LaunchType: "FARGATE",
    DesiredCount: 2,
    NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: "DISABLED" } },
    LoadBalancers: [{ ContainerName: "sqlcache", ContainerPort: 3307 }],
  });
  const container = taskContainer();
  assert.equal(resolved(container.Image), IMAGE);
  assert.equal(container.User, "10001:10001");
  assert.equal(container.ReadonlyRootFilesystem, true);
  const env = Object.fromEntries(container.Environment.map((e: any) => [e.Name, e.Value]));
  const database = Object.keys(template.findResources("AWS::RDS::DBInstance"))[0];
  assert.deepEqual(env.SQLCACHE_BACKEND_HOST, { "Fn::GetAtt": [database, "Endpoint.Address"] });
  assert.match(JSON.stringify(env.SQLCACHE_STORE), /rediss:\/\//, "TLS to ElastiCache");
  assert.ok(container.StopTimeout > 10, "longer than sqlcache's shutdown_grace");
  assert.deepEqual(
    container.PortMappings.map((p: any) => p.ContainerPort),
    [3307, 9107],
  );
});

test("the task may pull the image from its ECR repository and read exactly its two secrets", () => {
  const policies = Object.values(template.findResources("AWS::IAM::Policy"));
  const statements = policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  const pull = statements.find((s: any) => [s.Action].flat().includes("ecr:BatchGetImage"));
  assert.equal(pull?.Resource, "arn:aws:ecr:eu-west-1:123456789012:repository/sqlcache");
  const secretReads = statements
    .filter((s: any) => [s.Action].flat().includes("secretsmanager:GetSecretValue"))
    .map((s: any) => resources[s.Resource.Ref]?.Properties?.Description)
    .sort();
  assert.deepEqual(secretReads, [
    "AUTH token of the sqlcache Redis replication group",
    "Bearer token of the sqlcache admin endpoint",
  ]);
});

test("an internal NLB listens on 3307 and checks /readyz on the admin port", () => {
  template.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", {
    Type: "network",
    Scheme: "internal",
  });
  template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
    Port: 3307,
    Protocol: "TCP",
  });
  template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
    Port: 3307,
    TargetType: "ip",
    HealthCheckProtocol: "HTTP",
    HealthCheckPort: "9107",
    HealthCheckPath: "/readyz",
  });
});

test("only clients reach the NLB, only the NLB reaches the proxy, only the proxy reaches MySQL and Redis", () => {
  assert.deepEqual(rules("Ingress"), [
    "cache <- proxy tcp/6379",
    `database <- proxy tcp/3306`,
    `nlb <- ${CLIENTS} tcp/3307`,
    "proxy <- nlb tcp/3307",
    "proxy <- nlb tcp/9107",
  ]);
});

test("the proxy sends only to MySQL, Redis and AWS APIs; the data tier sends nothing", () => {
  assert.deepEqual(rules("Egress"), [
    // CDK's placeholder for "no outbound traffic" in a group with allowAllOutbound: false.
    "cache -> 255.255.255.255/32 icmp/252-86",
    "database -> 255.255.255.255/32 icmp/252-86",
    "nlb -> proxy tcp/3307",
    "nlb -> proxy tcp/9107",
    "proxy -> 0.0.0.0/0 tcp/443",
    "proxy -> cache tcp/6379",
    "proxy -> database tcp/3306",
  ]);
});

test("without a client range the NLB admits the VPC's own range; other registries are pulled as is", () => {
  const image = "ghcr.io/example/sqlcache:0.1.0";
  const other = Template.fromStack(new SqlcacheStack(new App(), "Default", { imageUri: image }));
  assert.equal(taskContainer(other).Image, image);
  other.hasResourceProperties("AWS::EC2::SecurityGroup", {
    GroupDescription: "sqlcache NLB: MySQL clients in",
    SecurityGroupIngress: [
      { CidrIp: { "Fn::GetAtt": [Match.stringLikeRegexp("Vpc"), "CidrBlock"] }, FromPort: 3307, ToPort: 3307 },
    ],
  });
});
