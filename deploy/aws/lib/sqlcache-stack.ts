// The whole deployment in one stack: network, database, cache, and the proxy in front of them.
import { CfnOutput, Stack, StackProps } from "aws-cdk-lib";
import { Construct } from "constructs";
import { Cache } from "./cache";
import { Database } from "./database";
import { Network } from "./network";
import { ProxyService } from "./proxy-service";

export interface SqlcacheStackProps extends StackProps {
  /** A pushed sqlcache image; when unset, CDK builds deploy/docker/Dockerfile (needs Docker). */
  readonly imageUri?: string;
  /** Where MySQL clients connect from; the VPC's range when unset. */
  readonly clientCidr?: string;
  readonly desiredCount?: number;
}

export class SqlcacheStack extends Stack {
  readonly network: Network;
  readonly database: Database;
  readonly cache: Cache;
  readonly proxy: ProxyService;

  constructor(scope: Construct, id: string, props: SqlcacheStackProps = {}) {
    super(scope, id, props);
    this.network = new Network(this, "Network", { clientCidr: props.clientCidr });
    this.database = new Database(this, "Database", {
      vpc: this.network.vpc,
      securityGroup: this.network.databaseGroup,
    });
    this.cache = new Cache(this, "Cache", {
      vpc: this.network.vpc,
      securityGroup: this.network.cacheGroup,
    });
    this.proxy = new ProxyService(this, "Proxy", {
      vpc: this.network.vpc,
      proxyGroup: this.network.proxyGroup,
      loadBalancerGroup: this.network.loadBalancerGroup,
      backendHost: this.database.instance.dbInstanceEndpointAddress,
      backendPort: this.database.instance.dbInstanceEndpointPort,
      storeUrl: this.cache.storeUrl,
      storePassword: this.cache.authToken,
      imageUri: props.imageUri,
      desiredCount: props.desiredCount,
    });

    new CfnOutput(this, "ProxyEndpoint", {
      description: "Point MySQL clients here (port 3307)",
      value: this.proxy.loadBalancer.loadBalancerDnsName,
    });
    new CfnOutput(this, "DatabaseEndpoint", {
      value: this.database.instance.dbInstanceEndpointAddress,
    });
    new CfnOutput(this, "DatabaseSecretArn", {
      description: "Master credentials of the database (the proxy does not use them)",
      value: this.database.instance.secret?.secretArn ?? "",
    });
    new CfnOutput(this, "AdminTokenSecretArn", {
      value: this.proxy.adminToken.secretArn,
    });
  }
}
