// ElastiCache for Redis: a primary and a replica in two zones, TLS in transit, encrypted at rest,
// and an AUTH token kept in Secrets Manager (the proxy gets it as REDIS_PASSWORD).
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as elasticache from "aws-cdk-lib/aws-elasticache";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { REDIS_PORT } from "./network";

export interface CacheProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly nodeType?: string;
}

export class Cache extends Construct {
  readonly authToken: secretsmanager.Secret;
  readonly replicationGroup: elasticache.CfnReplicationGroup;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    // ElastiCache AUTH tokens are 16 to 128 printable characters without @, " or /.
    this.authToken = new secretsmanager.Secret(this, "AuthToken", {
      description: "AUTH token of the sqlcache Redis replication group",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const subnets = new elasticache.CfnSubnetGroup(this, "Subnets", {
      description: "sqlcache Redis: isolated subnets",
      subnetIds: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
    });
    // sqlcache's generation counters have no TTL and must never be evicted (an evicted counter
    // makes stale entries reachable again): only keys with a TTL may go under memory pressure.
    const parameters = new elasticache.CfnParameterGroup(this, "Parameters", {
      cacheParameterGroupFamily: "redis7",
      description: "sqlcache: evict only entries with a TTL",
      properties: { "maxmemory-policy": "volatile-lru" },
    });
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, "ReplicationGroup", {
      replicationGroupDescription: "sqlcache result cache",
      engine: "redis",
      engineVersion: "7.1",
      cacheNodeType: props.nodeType ?? "cache.t4g.small",
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      port: REDIS_PORT,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      // A dynamic reference: CloudFormation reads the secret at deploy time, the template only
      // names it.
      authToken: this.authToken.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: subnets.ref,
      cacheParameterGroupName: parameters.ref,
      securityGroupIds: [props.securityGroup.securityGroupId],
    });
  }

  /** The store URL for sqlcache's cache.store: TLS, the primary's address. */
  get storeUrl(): string {
    return `rediss://${this.replicationGroup.attrPrimaryEndPointAddress}:${this.replicationGroup.attrPrimaryEndPointPort}`;
  }
}
