// The scripted MySQL 8.4 server. What each packet holds, and where it was read:
//
// - Greeting (send_server_handshake_packet in sql/auth/sql_authentication.cc): protocol 10,
//   version + NUL, connection id, nonce bytes 0..7, NUL, capabilities low 16 bits, charset 255
//   (utf8mb4_0900_ai_ci), status AUTOCOMMIT, capabilities high 16 bits, auth-plugin-data length
//   21, ten zero bytes, nonce bytes 8..19 + NUL, "caching_sha2_password" + NUL. The
//   capabilities are CLIENT_ALL_FLAGS of include/mysql_com.h (every bit of 0..31 but 29), less
//   CLIENT_SSL and CLIENT_SSL_VERIFY_SERVER_CERT when no certificate is configured. The nonce
//   is generate_user_salt(): 20 random bytes masked to 7 bits, NUL and '$' bumped by one.
// - Every plugin packet after the greeting goes out as AuthMoreData, 0x01 + data
//   (server_mpvio_write_packet → wrap_plguin_data_into_proper_command); an auth switch is
//   0xFE + plugin name + NUL + data (send_plugin_request_packet). The data of
//   caching_sha2_password are: the nonce + NUL (21 bytes), 0x03 fast_auth_success, 0x04
//   perform_full_authentication, the PEM public key without NUL (sha2_password.cc).
// - The plugin (caching_sha2_password_authenticate): an empty response is "no password"; a
//   response other than 32 bytes fails; a cache hit whose scramble checks sends 0x03 and OK;
//   anything else sends 0x04. Then over TLS the next packet is the password + NUL; over
//   plaintext it is either 0x02 (answered with the PEM key, then the next packet) or the
//   ciphertext, which must be exactly the key size and decrypt with OAEP: a cleartext password
//   on a plaintext connection therefore fails. A password that checks is cached.
// - A client that answered the greeting with another plugin gets an auth switch carrying the
//   greeting's own nonce (parse_client_handshake_packet sends the cached server packet).
//   COM_CHANGE_USER always gets an auth switch with a fresh nonce: the plugin writes before it
//   reads, and in state RESTART that write becomes send_plugin_request_packet().
// - A failed login gets ER_ACCESS_DENIED_ERROR (1045, 28000); the host of a loopback client is
//   'localhost' (hostname.cc). require_secure_transport is checked after the plugin succeeded
//   (acl_authenticate), so the client sees 0x03 or the full auth, then ERR 3159 (HY000).
//   A failed COM_CHANGE_USER sends the 1045 and closes the connection (dispatch_command kills it).
#include "support/scripted_mysql8_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "support/scripted_mysql8_server_internal.hpp"

namespace sqlcache::testing {

namespace {

using scripted_wire::put_lenenc_int;
using scripted_wire::put_lenenc_string;
using scripted_wire::put_u16;
using scripted_wire::put_u32;
using scripted_wire::Reader;

// Capability flags (include/mysql_com.h).
constexpr std::uint32_t kClientConnectWithDb = 1u << 3;
constexpr std::uint32_t kClientCompress = 1u << 5;
constexpr std::uint32_t kClientProtocol41 = 1u << 9;
constexpr std::uint32_t kClientSsl = 1u << 11;
constexpr std::uint32_t kClientSecureConnection = 1u << 15;
constexpr std::uint32_t kClientPluginAuth = 1u << 19;
constexpr std::uint32_t kClientPluginAuthLenencData = 1u << 21;
constexpr std::uint32_t kClientDeprecateEof = 1u << 24;
constexpr std::uint32_t kClientOptionalResultsetMetadata = 1u << 25;
constexpr std::uint32_t kClientZstdCompression = 1u << 26;
constexpr std::uint32_t kClientQueryAttributes = 1u << 27;
constexpr std::uint32_t kClientSslVerifyServerCert = 1u << 30;
constexpr std::uint32_t kClientCapabilityExtension = 1u << 29;
constexpr std::uint32_t kClientAllFlags = ~kClientCapabilityExtension;

constexpr std::uint16_t kServerStatusAutocommit = 0x0002;
constexpr std::uint8_t kCharsetUtf8mb4_0900 = 255;
constexpr std::size_t kNonceLength = 20;
constexpr const char* kPluginName = "caching_sha2_password";

constexpr std::uint8_t kComQuit = 0x01;
constexpr std::uint8_t kComQuery = 0x03;
constexpr std::uint8_t kComPing = 0x0e;
constexpr std::uint8_t kComChangeUser = 0x11;

// A bounded wait for every read and write, so a test that goes wrong fails instead of hanging.
constexpr int kIoTimeoutSeconds = 30;

std::string new_nonce() {
  unsigned char bytes[kNonceLength];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string nonce;
  for (unsigned char b : bytes) {
    b &= 0x7f;
    if (b == '\0' || b == '$') ++b;
    nonce.push_back(static_cast<char>(b));
  }
  return nonce;
}

bool starts_with_set(std::string_view sql) {
  while (!sql.empty() && std::isspace(static_cast<unsigned char>(sql.front()))) {
    sql.remove_prefix(1);
  }
  if (sql.size() < 4) return false;
  std::string head(sql.substr(0, 4));
  for (char& c : head) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return head == "SET " || head == "SET\t" || head == "SET\n";
}

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct SslContextFree {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};

}  // namespace

struct ScriptedMysql8Server::State {
  ScriptedMysql8Options options;
  int listen_fd = -1;
  std::uint16_t port = 0;
  std::unique_ptr<SSL_CTX, SslContextFree> tls;
  std::unique_ptr<EVP_PKEY, PkeyFree> rsa_key;
  std::string public_key_pem;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint32_t> next_connection_id{8};

  mutable std::mutex mutex;
  std::vector<Login> logins;
  std::map<std::string, std::string> cache;  // user -> SHA256(SHA256(password))
  std::set<int> open_fds;
  std::vector<std::thread> connections;
  std::thread acceptor;

  void record(const Login& login) {
    std::lock_guard lock(mutex);
    logins.push_back(login);
  }
};

namespace {

using State = ScriptedMysql8Server::State;
using Login = ScriptedMysql8Server::Login;
using AuthPath = ScriptedMysql8Server::AuthPath;

// SIGPIPE from a write to a closed peer must not kill the test process: the server's threads
// keep it blocked, so such a write just fails with EPIPE.
void block_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// One client connection, on its own thread.
class Session {
 public:
  Session(State& state, int fd) : state_(state), fd_(fd) {}
  ~Session() {
    if (ssl_ != nullptr) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
    {
      std::lock_guard lock(state_.mutex);
      state_.open_fds.erase(fd_);
    }
    ::close(fd_);
    ERR_clear_error();
  }

  void run() {
    if (login()) serve_commands();
    flush();
  }

 private:
  enum class Verdict { kAccepted, kDenied, kDisconnected };

  // --- Framing ---------------------------------------------------------------------------

  bool read_exact(char* out, std::size_t n) {
    while (n > 0) {
      int got = 0;
      if (ssl_ != nullptr) {
        got = SSL_read(ssl_, out, static_cast<int>(std::min<std::size_t>(n, 1 << 30)));
      } else {
        got = static_cast<int>(::recv(fd_, out, n, 0));
      }
      if (got <= 0) return false;
      out += got;
      n -= static_cast<std::size_t>(got);
    }
    return true;
  }

  bool flush() {
    std::string_view data = pending_;
    bool ok = true;
    while (!data.empty()) {
      int sent = 0;
      if (ssl_ != nullptr) {
        sent = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      } else {
        sent = static_cast<int>(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL));
      }
      if (sent <= 0) {
        ok = false;
        break;
      }
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
    pending_.clear();
    return ok;
  }

  // Packets are collected and sent on the next read (or at the end), so a result set leaves
  // in one write.
  void write_packet(std::string_view payload) {
    const std::size_t n = payload.size();
    pending_.push_back(static_cast<char>(n & 0xff));
    pending_.push_back(static_cast<char>((n >> 8) & 0xff));
    pending_.push_back(static_cast<char>((n >> 16) & 0xff));
    pending_.push_back(static_cast<char>(sequence_++));
    pending_.append(payload);
  }

  // Payloads of 16 MiB - 1 and more (split packets) are not scripted: nothing here needs them.
  bool read_packet(std::string& payload) {
    if (!flush()) return false;
    char header[4];
    if (!read_exact(header, 4)) return false;
    const std::size_t length = static_cast<unsigned char>(header[0]) |
                               static_cast<unsigned char>(header[1]) << 8 |
                               static_cast<unsigned char>(header[2]) << 16;
    const auto sequence = static_cast<std::uint8_t>(header[3]);
    if (sequence != sequence_) {
      // What the server's my_net_read reports (ER_NET_PACKETS_OUT_OF_ORDER).
      sequence_ = static_cast<std::uint8_t>(sequence + 1);
      send_error(1156, "08S01", "Got packets out of order");
      flush();
      return false;
    }
    if (length == 0xffffff) return false;
    sequence_ = static_cast<std::uint8_t>(sequence + 1);
    payload.assign(length, '\0');
    return read_exact(payload.data(), length);
  }

  // --- Server messages -------------------------------------------------------------------

  std::uint32_t server_capabilities() const {
    std::uint32_t caps = kClientAllFlags & ~(kClientSsl | kClientSslVerifyServerCert);
    if (state_.tls) caps |= kClientSsl | kClientSslVerifyServerCert;
    return caps;
  }

  void send_greeting() {
    const std::uint32_t caps = server_capabilities();
    std::string p;
    p.push_back(10);
    p.append(state_.options.version);
    p.push_back('\0');
    put_u32(p, connection_id_);
    p.append(nonce_, 0, 8);
    p.push_back('\0');
    put_u16(p, static_cast<std::uint16_t>(caps & 0xffff));
    p.push_back(static_cast<char>(kCharsetUtf8mb4_0900));
    put_u16(p, kServerStatusAutocommit);
    put_u16(p, static_cast<std::uint16_t>(caps >> 16));
    p.push_back(static_cast<char>(kNonceLength + 1));
    p.append(10, '\0');
    p.append(nonce_, 8, kNonceLength - 8);
    p.push_back('\0');
    p.append(kPluginName);
    p.push_back('\0');
    write_packet(p);
  }

  void send_auth_switch() {
    std::string p(1, static_cast<char>(0xfe));
    p.append(kPluginName);
    p.push_back('\0');
    p.append(nonce_);
    p.push_back('\0');
    write_packet(p);
  }

  void send_more_data(std::string_view data) {
    std::string p(1, '\x01');
    p.append(data);
    write_packet(p);
  }

  void send_ok(std::uint8_t header = 0x00) {
    std::string p(1, static_cast<char>(header));
    put_lenenc_int(p, 0);  // affected rows
    put_lenenc_int(p, 0);  // last insert id
    put_u16(p, kServerStatusAutocommit);
    put_u16(p, 0);  // warnings
    write_packet(p);
  }

  void send_error(std::uint16_t code, std::string_view sql_state, std::string_view message) {
    std::string p(1, static_cast<char>(0xff));
    put_u16(p, code);
    p.push_back('#');
    p.append(sql_state);
    p.append(message);
    write_packet(p);
  }

  void send_access_denied(const std::string& user) {
    send_error(1045, "28000",
               "Access denied for user '" + user +
                   "'@'localhost' (using password: " + (password_used_ ? "YES" : "NO") + ")");
  }

  // One column, one row: who this session is. Text protocol, honouring CLIENT_DEPRECATE_EOF
  // and CLIENT_OPTIONAL_RESULTSET_METADATA.
  void send_session_row() {
    const std::string value = "user=" + user_ + ";tls=" + (ssl_ != nullptr ? "1" : "0");
    std::string count;
    put_lenenc_int(count, 1);
    if (caps_ & kClientOptionalResultsetMetadata) count.push_back('\x01');  // METADATA_FULL
    write_packet(count);

    std::string column;
    put_lenenc_string(column, "def");
    put_lenenc_string(column, "");  // schema
    put_lenenc_string(column, "");  // table
    put_lenenc_string(column, "");  // org_table
    put_lenenc_string(column, "session");
    put_lenenc_string(column, "");  // org_name
    put_lenenc_int(column, 0x0c);
    put_u16(column, client_charset_);
    put_u32(column, static_cast<std::uint32_t>(value.size() * 4));
    column.push_back(static_cast<char>(0xfd));  // MYSQL_TYPE_VAR_STRING
    put_u16(column, 0x0001);                    // NOT_NULL_FLAG
    column.push_back(0x1f);                     // decimals of a string expression
    put_u16(column, 0);
    write_packet(column);

    std::string eof(1, static_cast<char>(0xfe));
    put_u16(eof, 0);  // warnings
    put_u16(eof, kServerStatusAutocommit);
    if (!(caps_ & kClientDeprecateEof)) write_packet(eof);

    std::string row;
    put_lenenc_string(row, value);
    write_packet(row);

    if (caps_ & kClientDeprecateEof) {
      send_ok(0xfe);
    } else {
      write_packet(eof);
    }
  }

  // --- Authentication --------------------------------------------------------------------

  std::optional<std::string> password_of(const std::string& user) const {
    const auto it = state_.options.users.find(user);
    if (it == state_.options.users.end()) return std::nullopt;
    return it->second;
  }

  // caching_sha2_password_authenticate(), from the client's first response on.
  Verdict caching_sha2(Login& login, const std::string& response) {
    const std::optional<std::string> password = password_of(login.user);
    if (response.empty() || (response.size() == 1 && response[0] == '\0')) {
      password_used_ = false;
      if (password && password->empty()) {
        login.path = AuthPath::kFastAuth;
        login.detail = "empty password";
        return Verdict::kAccepted;
      }
      login.detail = "no password sent";
      return Verdict::kDenied;
    }
    password_used_ = true;
    if (response.size() != 32) {
      login.detail =
          "first response of " + std::to_string(response.size()) + " bytes, not a 32-byte scramble";
      return Verdict::kDenied;
    }
    std::optional<std::string> cached;
    {
      std::lock_guard lock(state_.mutex);
      const auto it = state_.cache.find(login.user);
      if (it != state_.cache.end()) cached = it->second;
    }
    if (cached && caching_sha2::scramble_matches(response, *cached, nonce_)) {
      send_more_data("\x03");
      login.path = AuthPath::kFastAuth;
      return Verdict::kAccepted;
    }
    send_more_data("\x04");
    std::string packet;
    if (!read_packet(packet)) {
      login.detail = "client left after perform_full_authentication";
      return Verdict::kDisconnected;
    }
    if (packet.empty()) {
      login.detail = "empty packet after perform_full_authentication";
      return Verdict::kDenied;
    }
    std::string supplied;
    AuthPath path = AuthPath::kFullAuthOverTls;
    if (ssl_ != nullptr) {
      supplied = packet.substr(0, packet.size() - 1);  // the password + NUL
    } else {
      path = AuthPath::kFullAuthRsa;
      if (packet == "\x02") {
        login.public_key_requested = true;
        send_more_data(state_.public_key_pem);
        if (!read_packet(packet)) {
          login.detail = "client left after the public key";
          return Verdict::kDisconnected;
        }
      }
      const auto key_size = static_cast<std::size_t>(EVP_PKEY_get_size(state_.rsa_key.get()));
      if (packet.size() != key_size) {
        login.detail = "plaintext connection: " + std::to_string(packet.size()) +
                       " bytes instead of a " + std::to_string(key_size) +
                       "-byte RSA ciphertext (a cleartext password is refused)";
        return Verdict::kDenied;
      }
      std::optional<std::string> decrypted =
          caching_sha2::decrypt_password(state_.rsa_key.get(), packet, nonce_);
      if (!decrypted) {
        login.detail = "the RSA ciphertext does not decrypt with RSA_PKCS1_OAEP_PADDING";
        return Verdict::kDenied;
      }
      if (decrypted->empty()) {
        login.detail = "empty password in the RSA ciphertext";
        return Verdict::kDenied;
      }
      supplied = *decrypted;
    }
    if (!password || supplied != *password) {
      login.detail = password ? "wrong password" : "no such user";
      return Verdict::kDenied;
    }
    {
      std::lock_guard lock(state_.mutex);
      state_.cache[login.user] = caching_sha2::sha256(caching_sha2::sha256(supplied));
    }
    login.path = path;
    return Verdict::kAccepted;
  }

  // Sends the outcome of an authentication and records it; true when the session goes on.
  bool conclude(Login& login, Verdict verdict) {
    if (verdict == Verdict::kAccepted && state_.options.require_tls && ssl_ == nullptr) {
      login.detail = std::string("authenticated (") + to_string(login.path) +
                     ") but require_secure_transport refuses plaintext";
      login.path = AuthPath::kFailed;
      send_error(3159, "HY000",
                 "Connections using insecure transport are prohibited while "
                 "--require_secure_transport=ON.");
      verdict = Verdict::kDenied;
    } else if (verdict == Verdict::kAccepted) {
      user_ = login.user;
      send_ok();
    } else {
      login.path = AuthPath::kFailed;
      if (verdict == Verdict::kDenied) send_access_denied(login.user);
    }
    state_.record(login);
    return verdict == Verdict::kAccepted;
  }

  bool login() {
    nonce_ = new_nonce();
    send_greeting();
    std::string packet;
    if (!read_packet(packet)) return false;
    Reader head(packet);
    const auto requested = static_cast<std::uint32_t>(head.fixed(4));
    if (!head.ok()) return false;
    if (requested & kClientSsl) {
      Login login{"", false, AuthPath::kFailed, "SSL request without a configured certificate"};
      if (!state_.tls) {
        state_.record(login);
        return false;
      }
      ssl_ = SSL_new(state_.tls.get());
      if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1 || SSL_accept(ssl_) != 1) {
        login.detail = "TLS handshake failed";
        state_.record(login);
        return false;
      }
      if (!read_packet(packet)) return false;
    }
    Reader r(packet);
    caps_ = static_cast<std::uint32_t>(r.fixed(4)) & server_capabilities();
    r.fixed(4);  // max packet size
    client_charset_ = static_cast<std::uint16_t>(r.fixed(1));
    r.bytes(23);
    Login login;
    login.tls = ssl_ != nullptr;
    login.user = r.null_terminated();
    std::string response;
    if (caps_ & kClientPluginAuthLenencData) {
      response = r.bytes(r.lenenc_int());
    } else if (caps_ & kClientSecureConnection) {
      response = r.bytes(r.fixed(1));
    } else {
      response = r.null_terminated();
    }
    if (caps_ & kClientConnectWithDb) r.null_terminated();
    std::string client_plugin = "mysql_native_password";
    if ((caps_ & kClientPluginAuth) && r.remaining() > 0) client_plugin = r.null_terminated();
    if (!r.ok() || !(caps_ & kClientProtocol41)) {
      login.detail = "malformed or pre-4.1 handshake response";
      send_error(1043, "08S01", "Bad handshake");
      state_.record(login);
      return false;
    }
    if (caps_ & (kClientCompress | kClientZstdCompression)) {
      login.detail = "compression negotiated; the scripted server has none";
      send_error(1235, "42000",
                 "This version of MySQL doesn't yet support 'compression in the scripted server'");
      state_.record(login);
      return false;
    }
    password_used_ = !response.empty();
    if (client_plugin != kPluginName) {
      if (!(caps_ & kClientPluginAuth)) {
        login.detail = "client without CLIENT_PLUGIN_AUTH cannot be switched";
        return conclude(login, Verdict::kDenied);
      }
      // The greeting's own nonce, as the real server resends its cached first packet.
      login.auth_switch = true;
      send_auth_switch();
      if (!read_packet(response)) {
        login.detail = "client left after the auth switch";
        return conclude(login, Verdict::kDisconnected);
      }
    }
    return conclude(login, caching_sha2(login, response));
  }

  bool change_user(std::string_view body) {
    Reader r(body);
    Login login;
    login.change_user = true;
    login.tls = ssl_ != nullptr;
    login.user = r.null_terminated();
    if (caps_ & kClientSecureConnection) {
      r.bytes(r.fixed(1));  // computed on the old nonce; the server answers with a new one
    } else {
      r.null_terminated();
    }
    r.null_terminated();  // schema
    if (r.remaining() >= 2) client_charset_ = static_cast<std::uint16_t>(r.fixed(2));
    if (!r.ok()) {
      login.detail = "malformed COM_CHANGE_USER";
      return conclude(login, Verdict::kDenied);
    }
    if (!(caps_ & kClientPluginAuth)) {
      login.detail = "client without CLIENT_PLUGIN_AUTH cannot be switched";
      return conclude(login, Verdict::kDenied);
    }
    nonce_ = new_nonce();
    login.auth_switch = true;
    send_auth_switch();
    std::string response;
    if (!read_packet(response)) {
      login.detail = "client left after the auth switch";
      return conclude(login, Verdict::kDisconnected);
    }
    return conclude(login, caching_sha2(login, response));
  }

  // --- Command phase ---------------------------------------------------------------------

  void serve_commands() {
    for (;;) {
      sequence_ = 0;
      std::string command;
      if (!read_packet(command)) return;
      const std::uint8_t code = command.empty() ? 0 : static_cast<std::uint8_t>(command[0]);
      const std::string_view body = std::string_view(command).substr(command.empty() ? 0 : 1);
      if (code == kComQuit) return;
      if (code == kComPing) {
        send_ok();
      } else if (code == kComQuery) {
        query(body);
      } else if (code == kComChangeUser) {
        if (!change_user(body)) return;
      } else {
        send_error(1047, "08S01", "Unknown command");
      }
    }
  }

  void query(std::string_view body) {
    Reader r(body);
    if (caps_ & kClientQueryAttributes) {
      const std::uint64_t parameters = r.lenenc_int();
      r.lenenc_int();  // parameter set count, always 1
      // Attributes are not scripted: such a statement is answered as a query.
      if (parameters > 0) r = Reader(std::string_view());
    }
    const std::string sql = r.rest();
    if (starts_with_set(sql)) {
      send_ok();
    } else {
      send_session_row();
    }
  }

  State& state_;
  int fd_;
  SSL* ssl_ = nullptr;
  std::string pending_;
  std::uint8_t sequence_ = 0;
  std::uint32_t connection_id_ = state_.next_connection_id++;
  std::uint32_t caps_ = 0;
  std::uint16_t client_charset_ = kCharsetUtf8mb4_0900;
  std::string nonce_;
  std::string user_;
  bool password_used_ = false;
};

void accept_loop(State& state) {
  block_sigpipe();
  for (;;) {
    const int fd = ::accept(state.listen_fd, nullptr, nullptr);
    if (fd < 0) {
      if (state.stopping) return;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const timeval timeout{kIoTimeoutSeconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    std::lock_guard lock(state.mutex);
    if (state.stopping) {
      ::close(fd);
      return;
    }
    state.open_fds.insert(fd);
    state.connections.emplace_back([&state, fd] {
      block_sigpipe();
      Session(state, fd).run();
    });
  }
}

}  // namespace

ScriptedMysql8Server::ScriptedMysql8Server(ScriptedMysql8Options options)
    : state_(std::make_shared<State>()) {
  State& s = *state_;
  s.options = std::move(options);

  // The RSA key pair caching_sha2_password_auto_generate_rsa_keys makes: 2048 bits.
  s.rsa_key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  if (!s.rsa_key) throw std::runtime_error("scripted MySQL 8 server: RSA key generation failed");
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio, s.rsa_key.get()) != 1) {
    BIO_free(bio);
    throw std::runtime_error("scripted MySQL 8 server: cannot write the public key");
  }
  char* pem = nullptr;
  const long pem_length = BIO_get_mem_data(bio, &pem);
  s.public_key_pem.assign(pem, static_cast<std::size_t>(pem_length));
  BIO_free(bio);

  if (!s.options.cert_file.empty() || !s.options.key_file.empty()) {
    s.tls.reset(SSL_CTX_new(TLS_server_method()));
    if (!s.tls || SSL_CTX_set_min_proto_version(s.tls.get(), TLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate_chain_file(s.tls.get(), s.options.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(s.tls.get(), s.options.key_file.c_str(), SSL_FILETYPE_PEM) !=
            1 ||
        SSL_CTX_check_private_key(s.tls.get()) != 1) {
      ERR_clear_error();
      throw std::runtime_error("scripted MySQL 8 server: cannot load " + s.options.cert_file +
                               " / " + s.options.key_file);
    }
  }

  s.listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (s.listen_fd < 0 ||
      ::bind(s.listen_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(s.listen_fd, 64) != 0 ||
      ::getsockname(s.listen_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (s.listen_fd >= 0) ::close(s.listen_fd);
    throw std::runtime_error("scripted MySQL 8 server: cannot listen on 127.0.0.1");
  }
  s.port = ntohs(address.sin_port);
  s.acceptor = std::thread([&s] { accept_loop(s); });
}

ScriptedMysql8Server::~ScriptedMysql8Server() {
  State& s = *state_;
  s.stopping = true;
  ::shutdown(s.listen_fd, SHUT_RDWR);  // wakes accept()
  s.acceptor.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(s.mutex);
    for (const int fd : s.open_fds) ::shutdown(fd, SHUT_RDWR);  // wakes their reads
    connections.swap(s.connections);
  }
  for (std::thread& connection : connections) connection.join();
  ::close(s.listen_fd);
}

std::uint16_t ScriptedMysql8Server::port() const { return state_->port; }

std::vector<ScriptedMysql8Server::Login> ScriptedMysql8Server::logins() const {
  std::lock_guard lock(state_->mutex);
  return state_->logins;
}

void ScriptedMysql8Server::forget_cached_passwords() {
  std::lock_guard lock(state_->mutex);
  state_->cache.clear();
}

std::string ScriptedMysql8Server::public_key_pem() const { return state_->public_key_pem; }

const char* to_string(ScriptedMysql8Server::AuthPath path) {
  switch (path) {
    case ScriptedMysql8Server::AuthPath::kFastAuth:
      return "fast auth";
    case ScriptedMysql8Server::AuthPath::kFullAuthOverTls:
      return "full auth over TLS";
    case ScriptedMysql8Server::AuthPath::kFullAuthRsa:
      return "full auth with RSA";
    case ScriptedMysql8Server::AuthPath::kFailed:
      return "failed";
  }
  return "?";
}

}  // namespace sqlcache::testing
