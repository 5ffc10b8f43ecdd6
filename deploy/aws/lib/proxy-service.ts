// sqlcache on ECS Fargate behind an internal Network Load Balancer on 3307. The container runs
// the image's own configuration (deploy/docker/sqlcache.yaml), which takes the database and
// the cache from the environment.
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { proxyImage } from "./container-image";
import { ADMIN_PORT, PROXY_PORT } from "./network";

export interface ProxyServiceProps {
  readonly vpc: ec2.IVpc;
  readonly proxyGroup: ec2.ISecurityGroup;
  readonly loadBalancerGroup: ec2.ISecurityGroup;
  readonly backendHost: string;
  readonly backendPort: string;
  readonly storeUrl: string;
  readonly storePassword: secretsmanager.ISecret;
  /** A pushed image (ECR URI); when unset the image is built from deploy/docker/Dockerfile. */
  readonly imageUri?: string;
  readonly desiredCount?: number;
  readonly maxCount?: number;
}

export class ProxyService extends Construct {
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly adminToken: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ProxyServiceProps) {
    super(scope, id);
    const cluster = new ecs.Cluster(this, "Cluster", { vpc: props.vpc });

    // POST /cache/invalidate and /cache/flush need it; the admin port is reachable only from
    // the load balancer, but the token keeps it that way if the rules ever widen.
    this.adminToken = new secretsmanager.Secret(this, "AdminToken", {
      description: "Bearer token of the sqlcache admin endpoint",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });

    const task = new ecs.FargateTaskDefinition(this, "Task", {
      cpu: 512,
      memoryLimitMiB: 1024,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const logGroup = new logs.LogGroup(this, "Logs", {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const image = proxyImage(this, props.imageUri);
    task.addContainer("sqlcache", {
      image,
      essential: true,
      readonlyRootFilesystem: true,
      user: "10001:10001",
      portMappings: [
        { containerPort: PROXY_PORT, name: "mysql" },
        { containerPort: ADMIN_PORT, name: "admin" },
      ],
      environment: {
        SQLCACHE_BACKEND_HOST: props.backendHost,
        SQLCACHE_BACKEND_PORT: props.backendPort,
        SQLCACHE_STORE: props.storeUrl,
      },
      secrets: {
        REDIS_PASSWORD: ecs.Secret.fromSecretsManager(props.storePassword),
        ADMIN_TOKEN: ecs.Secret.fromSecretsManager(this.adminToken),
      },
      healthCheck: {
        command: ["CMD", "curl", "--fail", "--silent", "--max-time", "2", `http://127.0.0.1:${ADMIN_PORT}/healthz`],
        interval: Duration.seconds(10),
        timeout: Duration.seconds(3),
        retries: 3,
        startPeriod: Duration.seconds(10),
      },
      // SIGTERM, then shutdown_grace (10s) for sessions to finish, then SIGKILL after this.
      stopTimeout: Duration.seconds(30),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: "sqlcache" }),
    });

    this.service = new ecs.FargateService(this, "Service", {
      cluster,
      taskDefinition: task,
      desiredCount: props.desiredCount ?? 2,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      assignPublicIp: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.proxyGroup],
      circuitBreaker: { rollback: true },
    });
    this.service
      .autoScaleTaskCount({ minCapacity: props.desiredCount ?? 2, maxCapacity: props.maxCount ?? 6 })
      .scaleOnCpuUtilization("Cpu", { targetUtilizationPercent: 60 });

    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, "LoadBalancer", {
      vpc: props.vpc,
      internetFacing: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.loadBalancerGroup],
      crossZoneEnabled: true,
    });
    const listener = this.loadBalancer.addListener("Mysql", { port: PROXY_PORT });
    listener.addTargets("Proxy", {
      port: PROXY_PORT,
      targets: [this.service.loadBalancerTarget({ containerName: "sqlcache", containerPort: PROXY_PORT })],
      // A task is in service only while its backend answers (/readyz), not merely alive.
      healthCheck: {
        protocol: elbv2.Protocol.HTTP,
        port: String(ADMIN_PORT),
        path: "/readyz",
        interval: Duration.seconds(10),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
      // MySQL connections are long-lived: give in-flight queries a moment, then the proxy's own
      // SIGTERM drain closes what is left.
      deregistrationDelay: Duration.seconds(20),
    });
  }
}
