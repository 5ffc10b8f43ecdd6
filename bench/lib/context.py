"""What every scenario gets: the settings of this run (full or smoke), the servers, the
clients, the long-lived proxies (one per store), and where facts for the targets go."""
import dataclasses


@dataclasses.dataclass
class Settings:
    smoke: bool
    latency_rounds: int       # rounds of the latency scenarios (1, 4)
    sysbench_rounds: int      # rounds of the sysbench scenarios (2, 3, 5, 6)
    sysbench_seconds: int     # one sysbench run
    small_hit_queries: int    # per contender, over all rounds (scenario 1)
    python_queries: int       # per contender, over all rounds (scenario 1, Python)
    heavy_rows: int
    heavy_direct_queries: int  # per round
    heavy_hit_queries: int     # per round
    sb_tables: int
    sb_table_size: int
    client_levels: list
    client_bursts: int
    client_rounds: int
    profile_hits: int

    @staticmethod
    def full():
        return Settings(smoke=False, latency_rounds=5, sysbench_rounds=5, sysbench_seconds=5,
                        small_hit_queries=20000, python_queries=10000, heavy_rows=200000,
                        heavy_direct_queries=6, heavy_hit_queries=1000, sb_tables=2,
                        sb_table_size=10000, client_levels=[1, 100, 1000, 5000],
                        client_bursts=5, client_rounds=2, profile_hits=10000)

    @staticmethod
    def smoke_test():
        return Settings(smoke=True, latency_rounds=2, sysbench_rounds=2, sysbench_seconds=1,
                        small_hit_queries=2000, python_queries=1000, heavy_rows=100000,
                        heavy_direct_queries=2, heavy_hit_queries=200, sb_tables=2,
                        sb_table_size=1000, client_levels=[1, 100, 1000], client_bursts=2,
                        client_rounds=1, profile_hits=0)


@dataclasses.dataclass
class Context:
    settings: Settings
    db: object          # database.Database (direct connection to the backend)
    redis: object       # database.Redis
    client: object      # client.BenchClient
    sysbench: object    # sysbench.Sysbench
    binary: str
    work_dir: str
    nonce: str
    proxies: dict       # "memory" | "redis" | "redis_near" | "relay" -> proxy.Proxy
    facts: dict = dataclasses.field(default_factory=dict)

    def port(self, contender):
        return self.db.port if contender == "direct" else self.proxies[contender].port


# How each contender is named in the tables.
NAMES = {
    "direct": "database directly",
    "memory": "sqlcache, in-process store",
    "redis": "sqlcache, Redis store",
    "redis_near": "sqlcache, Redis store + near cache",
    "relay": "sqlcache, caching off (relay)",
    "memory-miss": "sqlcache, in-process store, miss",
    "redis-miss": "sqlcache, Redis store, miss",
    "redis-get": "raw Redis GET (floor)",
}
