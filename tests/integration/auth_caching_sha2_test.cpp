// caching_sha2_password through the proxy, in every combination of TLS on the two hops, with
// libmysqlclient as the client and the scripted MySQL 8.4 server as the backend (no MySQL 8
// server can be installed from Debian). docs/security.md has the table these tests follow:
//
//   client hop  backend hop  full authentication
//   TLS         TLS          the cleartext password, relayed inside TLS
//   plaintext   plaintext    the client's public-key request and RSA password, relayed intact
//   TLS         plaintext    the proxy fetches the server's key and sends the password RSA-OAEP
//   plaintext   TLS          the proxy answers with its own key and sends the password in TLS
//
// The server records how each login went (fast auth, full auth over TLS, full auth with RSA),
// and verifies the password itself, so a wrong nonce or a mangled encryption is a failed login.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/mysql_client.hpp"
#include "support/proxy_process.hpp"
#include "support/scripted_mysql8_server.hpp"
#include "support/test_certificate.hpp"
#include "support/test_env.hpp"

namespace sqlcache::testing {
namespace {

using AuthPath = ScriptedMysql8Server::AuthPath;
using Login = ScriptedMysql8Server::Login;

struct Hops {
  bool client_tls;
  bool backend_tls;
};

std::string hops_name(const ::testing::TestParamInfo<Hops>& info) {
  return std::string(info.param.client_tls ? "ClientTls" : "ClientPlain") +
         (info.param.backend_tls ? "BackendTls" : "BackendPlain");
}

std::string describe(const std::vector<Login>& logins) {
  std::string out = "\nlogins seen by the scripted server:";
  for (const Login& login : logins) {
    out += "\n  " + login.user + (login.tls ? " tls " : " plain ") + to_string(login.path) +
           (login.change_user ? " (change user)" : "") +
           (login.public_key_requested ? " (public key requested)" : "") + " " + login.detail;
  }
  return out;
}

class CachingSha2Through : public ::testing::TestWithParam<Hops> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_certificate_.ok());
    ASSERT_TRUE(proxy_certificate_.ok());
    ScriptedMysql8Options options;
    if (GetParam().backend_tls) {
      options.cert_file = server_certificate_.cert_file();
      options.key_file = server_certificate_.key_file();
      options.require_tls = true;  // proves the backend hop really is TLS
    }
    options.users = {{"app", "app-secret"}, {"other", "other-secret"}};
    server_ = std::make_unique<ScriptedMysql8Server>(options);

    std::vector<std::string> args = {"--backend", "127.0.0.1:" + std::to_string(server_->port()),
                                     "--store", "none"};
    if (GetParam().client_tls) {
      args.insert(args.end(), {"--tls-cert", proxy_certificate_.cert_file(), "--tls-key",
                               proxy_certificate_.key_file(), "--tls-require"});
    }
    if (GetParam().backend_tls) {
      args.insert(args.end(), {"--backend-tls", "verify_identity", "--backend-ca",
                               server_certificate_.cert_file()});
    }
    ASSERT_TRUE(proxy_.start(test_env().proxy_binary, args)) << proxy_.start_error() << "\n"
                                                             << proxy_.log();
  }

  void TearDown() override {
    auto exit = proxy_.stop();
    if (HasFailure()) std::cerr << "proxy log:\n" << proxy_.log();
    if (exit) {
      EXPECT_TRUE(exit->clean()) << exit->describe();
    }
  }

  MysqlClient connect(const std::string& user, const std::string& password) {
    MysqlClient client;
    if (GetParam().client_tls) {
      const my_bool on = 1;
      client.set_option(MYSQL_OPT_SSL_ENFORCE, &on);
      client.set_option(MYSQL_OPT_SSL_CA, proxy_certificate_.cert_file().c_str());
      client.set_option(MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
    }
    client.connect("127.0.0.1", proxy_.port(), user, password);
    return client;
  }

  // The path a full authentication takes on the backend hop.
  AuthPath full_auth_path() const {
    return GetParam().backend_tls ? AuthPath::kFullAuthOverTls : AuthPath::kFullAuthRsa;
  }
  std::string session_text(const std::string& user) const {
    return "user=" + user + ";tls=" + (GetParam().backend_tls ? "1" : "0");
  }

  TestCertificate server_certificate_;
  TestCertificate proxy_certificate_;
  std::unique_ptr<ScriptedMysql8Server> server_;
  ProxyProcess proxy_;
};

TEST_P(CachingSha2Through, FullAuthenticationThenFastAuthentication) {
  for (int i = 0; i < 2; ++i) {
    MysqlClient client = connect("app", "app-secret");
    ASSERT_EQ(client.error_code(), 0u) << client.describe_error() << describe(server_->logins());
    EXPECT_EQ(mysql_get_ssl_cipher(client.handle()) != nullptr, GetParam().client_tls);
    EXPECT_EQ(client.scalar("SELECT 1"), session_text("app"));
    EXPECT_EQ(mysql_ping(client.handle()), 0);
  }
  const auto logins = server_->logins();
  ASSERT_EQ(logins.size(), 2u) << describe(logins);
  EXPECT_EQ(logins[0].tls, GetParam().backend_tls);
  EXPECT_EQ(logins[0].path, full_auth_path()) << describe(logins);
  EXPECT_EQ(logins[1].path, AuthPath::kFastAuth) << describe(logins);
}

TEST_P(CachingSha2Through, WrongPasswordIsDeniedByTheServer) {
  MysqlClient client = connect("app", "not-the-password");
  EXPECT_EQ(client.error_code(), 1045u) << client.describe_error() << describe(server_->logins());
  // And a right one still works afterwards (the failed exchange left nothing behind).
  MysqlClient good = connect("app", "app-secret");
  ASSERT_EQ(good.error_code(), 0u) << good.describe_error() << describe(server_->logins());
  const auto logins = server_->logins();
  ASSERT_EQ(logins.size(), 2u) << describe(logins);
  EXPECT_EQ(logins[0].path, AuthPath::kFailed) << describe(logins);
  EXPECT_EQ(logins[1].path, full_auth_path()) << describe(logins);
}

TEST_P(CachingSha2Through, FullAuthenticationAgainAfterTheServerForgets) {
  { ASSERT_EQ(connect("app", "app-secret").error_code(), 0u); }
  server_->forget_cached_passwords();
  MysqlClient client = connect("app", "app-secret");
  ASSERT_EQ(client.error_code(), 0u) << client.describe_error() << describe(server_->logins());
  const auto logins = server_->logins();
  ASSERT_EQ(logins.size(), 2u) << describe(logins);
  EXPECT_EQ(logins[1].path, full_auth_path()) << describe(logins);
}

TEST_P(CachingSha2Through, ChangeUserAuthenticatesTheNewUser) {
  MysqlClient client = connect("app", "app-secret");
  ASSERT_EQ(client.error_code(), 0u) << client.describe_error() << describe(server_->logins());
  ASSERT_EQ(mysql_change_user(client.handle(), "other", "other-secret", nullptr), 0)
      << client.describe_error() << describe(server_->logins());
  EXPECT_EQ(client.scalar("SELECT 1"), session_text("other"));
  // A wrong password is refused; the client library reports the server's error.
  EXPECT_NE(mysql_change_user(client.handle(), "app", "wrong", nullptr), 0);
  EXPECT_EQ(client.error_code(), 1045u) << client.describe_error();
  const auto logins = server_->logins();
  ASSERT_GE(logins.size(), 2u) << describe(logins);
  EXPECT_TRUE(logins[1].change_user);
  EXPECT_EQ(logins[1].user, "other");
  EXPECT_EQ(logins[1].path, full_auth_path()) << describe(logins);
}

TEST_P(CachingSha2Through, ConcurrentLoginsDoNotMixNonces) {
  // Each session authenticates with its own server nonce; several at once must all succeed.
  server_->forget_cached_passwords();
  std::vector<MysqlClient> clients;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(connect(i % 2 ? "app" : "other", i % 2 ? "app-secret" : "other-secret"));
    ASSERT_EQ(clients.back().error_code(), 0u)
        << clients.back().describe_error() << describe(server_->logins());
  }
  for (auto& client : clients) EXPECT_EQ(mysql_ping(client.handle()), 0);
}

INSTANTIATE_TEST_SUITE_P(Hops, CachingSha2Through,
                         ::testing::Values(Hops{false, false}, Hops{true, false}, Hops{false, true},
                                           Hops{true, true}),
                         hops_name);

// --- Backend TLS modes against a server that offers TLS or not ------------------------------

class BackendTlsModes : public ::testing::Test {
 protected:
  // Starts a proxy with `args` in front of `server`; the client connects in plaintext.
  MysqlClient through_proxy(const ScriptedMysql8Server& server, std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--backend", "127.0.0.1:" + std::to_string(server.port()), "--store", "none"});
    EXPECT_TRUE(proxy_.start(test_env().proxy_binary, args)) << proxy_.start_error();
    MysqlClient client;
    client.connect("127.0.0.1", proxy_.port(), "app", "app-secret");
    return client;
  }
  void TearDown() override {
    proxy_.stop();
    if (HasFailure()) std::cerr << "proxy log:\n" << proxy_.log();
  }
  ProxyProcess proxy_;
};

TEST_F(BackendTlsModes, PreferredFallsBackToPlaintextWhenTheServerOffersNoTls) {
  ScriptedMysql8Server server({});
  MysqlClient client = through_proxy(server, {"--backend-tls", "preferred"});
  ASSERT_EQ(client.error_code(), 0u) << client.describe_error() << describe(server.logins());
  EXPECT_EQ(client.scalar("SELECT 1"), "user=app;tls=0");
}

TEST_F(BackendTlsModes, PreferredUsesTlsWhenOffered) {
  TestCertificate certificate;
  ASSERT_TRUE(certificate.ok());
  ScriptedMysql8Server server({certificate.cert_file(), certificate.key_file()});
  MysqlClient client = through_proxy(server, {"--backend-tls", "preferred"});
  ASSERT_EQ(client.error_code(), 0u) << client.describe_error() << describe(server.logins());
  EXPECT_EQ(client.scalar("SELECT 1"), "user=app;tls=1");
}

TEST_F(BackendTlsModes, RequiredRefusesAServerWithoutTls) {
  ScriptedMysql8Server server({});
  MysqlClient client = through_proxy(server, {"--backend-tls", "required"});
  EXPECT_NE(client.error_code(), 0u);
  EXPECT_NE(client.error_message().find("does not offer TLS"), std::string::npos)
      << client.describe_error();
  EXPECT_TRUE(server.logins().empty()) << "no password may reach a server without TLS";
}

TEST_F(BackendTlsModes, VerifyCaRefusesAnUnknownCertificate) {
  TestCertificate certificate;
  TestCertificate other;
  ASSERT_TRUE(certificate.ok() && other.ok());
  ScriptedMysql8Server server({certificate.cert_file(), certificate.key_file()});
  MysqlClient client =
      through_proxy(server, {"--backend-tls", "verify_ca", "--backend-ca", other.cert_file()});
  EXPECT_NE(client.error_code(), 0u);
  EXPECT_NE(client.error_message().find("certificate verify failed"), std::string::npos)
      << client.describe_error();
  // The TLS handshake failed before any handshake response: no login reached the server.
  for (const Login& login : server.logins()) {
    EXPECT_EQ(login.path, AuthPath::kFailed) << describe(server.logins());
    EXPECT_TRUE(login.user.empty()) << describe(server.logins());
  }
}

}  // namespace
}  // namespace sqlcache::testing
