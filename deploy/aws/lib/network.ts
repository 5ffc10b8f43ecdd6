// The VPC and the four security groups. The rules are the whole point of this file: the proxy is
// the only thing that may reach the database and the cache, and only on their ports; clients
// reach the proxy only through the load balancer. Every group starts with no outbound rule.
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { Construct } from "constructs";

export const MYSQL_PORT = 3306;
export const REDIS_PORT = 6379;
export const PROXY_PORT = 3307;
export const ADMIN_PORT = 9107;

export interface NetworkProps {
  /** Where MySQL clients connect from; the VPC's own range when unset. */
  readonly clientCidr?: string;
}

export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly loadBalancerGroup: ec2.SecurityGroup;
  readonly proxyGroup: ec2.SecurityGroup;
  readonly databaseGroup: ec2.SecurityGroup;
  readonly cacheGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    // Public subnets only hold the NAT gateway (tasks pull their image and secrets through it);
    // the proxy runs in private subnets, the database and the cache in isolated ones.
    this.vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "proxy", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
        { name: "data", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });

    const group = (name: string, description: string) =>
      new ec2.SecurityGroup(this, name, { vpc: this.vpc, description, allowAllOutbound: false });
    this.loadBalancerGroup = group("LoadBalancerGroup", "sqlcache NLB: MySQL clients in");
    this.proxyGroup = group("ProxyGroup", "sqlcache proxy tasks");
    this.databaseGroup = group("DatabaseGroup", "RDS MySQL behind sqlcache");
    this.cacheGroup = group("CacheGroup", "ElastiCache Redis for sqlcache");

    const clients = ec2.Peer.ipv4(props.clientCidr ?? this.vpc.vpcCidrBlock);
    const mysql = ec2.Port.tcp(PROXY_PORT);
    this.loadBalancerGroup.addIngressRule(clients, mysql, "MySQL clients to the proxy");
    this.loadBalancerGroup.connections.allowTo(this.proxyGroup, mysql, "NLB to the proxy");
    // The NLB health check asks /readyz on the admin port; nothing else may reach that port.
    this.loadBalancerGroup.connections.allowTo(
      this.proxyGroup,
      ec2.Port.tcp(ADMIN_PORT),
      "NLB health check (/readyz)",
    );
    this.proxyGroup.connections.allowTo(
      this.databaseGroup,
      ec2.Port.tcp(MYSQL_PORT),
      "sqlcache to MySQL",
    );
    this.proxyGroup.connections.allowTo(this.cacheGroup, ec2.Port.tcp(REDIS_PORT), "sqlcache to Redis");
    // ECR, Secrets Manager and CloudWatch Logs, through the NAT gateway.
    this.proxyGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "AWS APIs over HTTPS");
  }
}
