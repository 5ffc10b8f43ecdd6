#!/usr/bin/python3
"""TLS on both hops with real clients and the real MariaDB (which offers TLS with a private CA,
see deploy/local/mariadb.sh, and has the user sqlcache_tls that may only connect over TLS):

- `mariadb --ssl --ssl-verify-server-cert` and pymysql with ssl connect through a proxy that
  terminates TLS and connects to the database with verify_identity; the database reports the
  backend hop encrypted (Ssl_version), results are cached and correct;
- with client_tls.require a plaintext client (mariadb --skip-ssl, pymysql) is refused with
  error 3159, and a TLS client still gets in;
- with the database requiring TLS for everyone (require_secure_transport=ON, set for the
  duration of one check), the proxy still connects over TLS;
- a backend certificate that does not verify (wrong CA, wrong name) is a clear error, not a
  plaintext fallback; without backend TLS the REQUIRE SSL user is refused by the database.
"""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import pymysql  # noqa: E402

import proxy  # noqa: E402
from proxy import HOST, Proxy, fail, log  # noqa: E402

TLS_USER = "sqlcache_tls"
TLS_PASSWORD = "sqlcache_tls"
REPO = os.environ.get("SQLCACHE_SOURCE_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")


def direct(**kwargs):
    args = dict(host=HOST, port=proxy.MYSQL_PORT, user=proxy.MYSQL_USER,
                password=proxy.MYSQL_PASSWORD, connect_timeout=10)
    args.update(kwargs)
    return pymysql.connect(**args)


def query_one(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def mariadb_cli(port, *args, user=TLS_USER, password=TLS_PASSWORD):
    command = ["mariadb", "--no-defaults", "-h", HOST, "-P", str(port), "-u", user,
               f"-p{password}", "--batch", "--skip-column-names", "--connect-timeout=10"]
    command += list(args)
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def expect(condition, message):
    if not condition:
        fail(message)


def main():
    proxy.require_server()
    if proxy.BYPASS_PROXY:
        log("skipped: the test is about the proxy's TLS")
        return
    with direct() as conn:
        backend_ca = query_one(conn, "SELECT @@ssl_ca")[0][0]
    expect(backend_ca and os.path.exists(backend_ca),
           f"the test database offers no TLS (@@ssl_ca = {backend_ca!r}); restart it with "
           "deploy/local/mariadb.sh")
    # The REQUIRE SSL account really is refused in plaintext: otherwise the checks below that
    # rely on it prove nothing about the backend hop.
    try:
        direct(user=TLS_USER, password=TLS_PASSWORD, ssl_disabled=True).close()
        fail("the database let sqlcache_tls in without TLS")
    except pymysql.err.OperationalError as e:
        expect(e.args[0] == 1045, f"unexpected error for a plaintext sqlcache_tls: {e}")

    certs = tempfile.mkdtemp(prefix="sqlcache-tls-")
    subprocess.run([os.path.join(REPO, "deploy/local/make-certs.sh"), certs, "localhost"],
                   check=True)
    proxy_ca = os.path.join(certs, "ca.pem")
    tls_args = ["--tls-cert", os.path.join(certs, "server.pem"),
                "--tls-key", os.path.join(certs, "server.key")]
    backend_args = ["--backend-tls", "verify_identity", "--backend-ca", backend_ca]

    # 1. Both hops TLS, clients verify the proxy's certificate; the cache answers repeats.
    with Proxy("--store", "memory", *tls_args, "--tls-require", *backend_args) as p:
        cli = mariadb_cli(p.port, "--ssl", f"--ssl-ca={proxy_ca}", "--ssl-verify-server-cert",
                          "-e", "SHOW SESSION STATUS LIKE 'Ssl_version'; SELECT 6*7;"
                          " SELECT 6*7; \\s")
        expect(cli.returncode == 0, f"mariadb --ssl through the proxy failed: {cli.stderr}")
        expect("Ssl_version\tTLSv1." in cli.stdout,
               f"the backend hop is not TLS:\n{cli.stdout}")
        expect("42\n42" in cli.stdout, f"wrong result through TLS:\n{cli.stdout}")
        expect("Cipher in use is" in cli.stdout,
               f"mariadb reports no TLS cipher for its own hop:\n{cli.stdout}")

        conn = pymysql.connect(host=HOST, port=p.port, user=TLS_USER, password=TLS_PASSWORD,
                               ssl={"ca": proxy_ca}, ssl_verify_identity=True,
                               connect_timeout=10)
        expect(conn._sock.version().startswith("TLSv1."), "pymysql's hop is not TLS")
        sql = "SELECT name FROM tutorial.planet WHERE id = 3"
        rows = [query_one(conn, sql) for _ in range(5)]
        expect(all(r == (("Earth",),) for r in rows), f"wrong rows over TLS: {rows}")
        expect(query_one(conn, "SHOW SESSION STATUS LIKE 'Ssl_version'")[0][1].startswith("TLS"),
               "pymysql's backend hop is not TLS")
        conn.close()
        expect(p.metric("sqlcache_queries_total{outcome=\"hit\"") >= 4,
               "repeated SELECTs over TLS were not served from the cache")
        expect(p.metric("sqlcache_client_tls_connections_total") >= 2,
               "the TLS connections were not counted")

        # 2. Plaintext clients are refused with 3159.
        cli = mariadb_cli(p.port, "--skip-ssl", "-e", "SELECT 1")
        expect(cli.returncode != 0 and "3159" in cli.stderr,
               f"a plaintext mariadb client was not refused with 3159: {cli.stderr!r}")
        try:
            pymysql.connect(host=HOST, port=p.port, user=TLS_USER, password=TLS_PASSWORD,
                            connect_timeout=10).close()
            fail("a plaintext pymysql client got through a proxy with --tls-require")
        except pymysql.err.OperationalError as e:
            expect(e.args[0] == 3159, f"plaintext pymysql refused with the wrong error: {e}")
        expect(p.metric("sqlcache_client_plaintext_refused_total") >= 2,
               "refused plaintext clients were not counted")

        # 3. The database requires TLS of every connection.
        with direct() as admin:
            query_one(admin, "SET GLOBAL require_secure_transport = ON")
            try:
                cli = mariadb_cli(p.port, "--ssl", f"--ssl-ca={proxy_ca}", "-e", "SELECT 7",
                                  user=proxy.MYSQL_USER, password=proxy.MYSQL_PASSWORD)
            finally:
                query_one(admin, "SET GLOBAL require_secure_transport = OFF")
        expect(cli.returncode == 0 and cli.stdout.strip() == "7",
               f"through the proxy to a database requiring TLS: {cli.stdout!r} {cli.stderr!r}")

    # 4. A plaintext client of a TLS backend (the proxy encrypts the backend hop by itself).
    with Proxy("--store", "none", "--backend-tls", "required") as p:
        cli = mariadb_cli(p.port, "--skip-ssl", "-e", "SHOW SESSION STATUS LIKE 'Ssl_version'")
        expect(cli.returncode == 0 and "TLSv1." in cli.stdout,
               f"backend TLS for a plaintext client: {cli.stdout!r} {cli.stderr!r}")

    # 5. Certificates that do not verify are refused, never a silent plaintext fallback.
    for mode, ca, what in [("verify_ca", proxy_ca, "a CA that did not sign the server"),
                           ("verify_identity", backend_ca, "a name the certificate lacks")]:
        extra = ["--backend-tls", mode, "--backend-ca", ca]
        config = None
        if what.startswith("a name"):
            # backend.tls.server_name is a YAML key: name a host the certificate does not.
            config = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
            config.write("backend:\n  tls:\n    server_name: db.example.com\n")
            config.close()
            extra += ["--config", config.name]
        with Proxy("--store", "none", *extra) as p:
            cli = mariadb_cli(p.port, "--skip-ssl", "-e", "SELECT 1")
            expect(cli.returncode != 0 and "TLS handshake with the backend failed" in cli.stderr,
                   f"{mode} with {what} was not refused clearly: {cli.stdout!r} {cli.stderr!r}")
        if config is not None:
            os.unlink(config.name)

    # 6. Without backend TLS, the database itself refuses the REQUIRE SSL account.
    with Proxy("--store", "none", *tls_args) as p:
        cli = mariadb_cli(p.port, "--ssl", f"--ssl-ca={proxy_ca}", "-e", "SELECT 1")
        expect(cli.returncode != 0 and "1045" in cli.stderr,
               f"a TLS client hop must not make the backend hop TLS: {cli.stderr!r}")
    log("ok")


if __name__ == "__main__":
    main()
