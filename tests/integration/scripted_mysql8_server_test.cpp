// The scripted MySQL 8.4 server (support/scripted_mysql8_server.hpp) is only worth something if
// it behaves like the real one. Three kinds of checks:
// - its caching_sha2_password arithmetic against values computed by another implementation
//   (Python's hashlib and the cryptography package, through pymysql 1.0.2's _auth module) and
//   against this file's own OpenSSL calls;
// - its bytes, read by a raw socket client written here from the protocol pages;
// - real clients: libmysqlclient (MariaDB Connector/C 3.3, whose caching_sha2_password plugin
//   is /usr/lib/x86_64-linux-gnu/libmariadb3/plugin/caching_sha2_password.so, loaded on demand
//   from the compiled-in plugin directory) and pymysql.
#include <arpa/inet.h>
#include <errmsg.h>
#include <gtest/gtest.h>
#include <mysql.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "mysql_wire/handshake.hpp"
#include "support/mysql_client.hpp"
#include "support/scripted_mysql8_server.hpp"
#include "support/test_bytes.hpp"
#include "support/test_certificate.hpp"

namespace sqlcache::testing {
namespace {

using AuthPath = ScriptedMysql8Server::AuthPath;
using Login = ScriptedMysql8Server::Login;

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::string describe(const std::vector<Login>& logins) {
  std::string out;
  for (const Login& l : logins) {
    out += "\n  " + l.user + " tls=" + std::to_string(l.tls) + " " + to_string(l.path) +
           (l.change_user ? " change_user" : "") + (l.auth_switch ? " switch" : "") +
           (l.public_key_requested ? " key" : "") + " (" + l.detail + ")";
  }
  return out;
}

// Options for a server with these accounts, and TLS when a certificate is given.
ScriptedMysql8Options server_options(std::map<std::string, std::string> users = {{"app",
                                                                                  "app-secret"}},
                                     const TestCertificate* tls = nullptr) {
  ScriptedMysql8Options options;
  options.users = std::move(users);
  if (tls != nullptr) {
    options.cert_file = tls->cert_file();
    options.key_file = tls->key_file();
  }
  return options;
}

// --- Vectors -----------------------------------------------------------------------------
// The formula is MySQL's (page_caching_sha2_authentication_exchanges: "Scramble -
// XOR(SHA256(password), SHA256(SHA256(SHA256(password)), Nonce))"; the cache holds
// SHA256(SHA256(password)); over plaintext the client sends RSA_PKCS1_OAEP(password + NUL XOR
// nonce)). The values were computed with pymysql 1.0.2 (_auth.scramble_caching_sha2,
// _auth._xor_password, _auth.sha2_rsa_encrypt: hashlib and cryptography 38), for a nonce of the
// kind generate_user_salt() makes (7-bit bytes, no NUL, no '$').
constexpr std::string_view kNonceHex = "2f115c7a3e0166480d7329551b7f42306e085a17";
constexpr std::string_view kPassword = "app-secret";
constexpr std::string_view kSha256PasswordHex =
    "6c904c5190e8b45c2f0af062eefdb2f5b41ce3809b0e6b5bc50aafdd60b290d8";
constexpr std::string_view kCachedDigestHex =
    "07a99d33e023ea491bc3f7b999efcfb76c32ff9abe1cf29ff3c5ee8b85ea015d";
constexpr std::string_view kScrambleHex =
    "16aac5ca51218a442c4c81fb90b96dbc8641179615836ce5cbafde71ff0c2f63";
constexpr std::string_view kXoredPasswordHex = "4e612c574d64053a680729";  // "app-secret\0"
constexpr std::string_view kLongPassword = "a-password-longer-than-the-twenty-byte-nonce";
constexpr std::string_view kXoredLongPasswordHex =
    "4e3c2c1b4d7211277f170439741125551c252e7f4e7f710e56644b3c7a164721625220491a6d7779407f3f1f3e";

// A 2048-bit key made with `openssl genpkey` for this test, and what pymysql's
// sha2_rsa_encrypt(b"app-secret", nonce, public key) produced with it.
constexpr std::string_view kPrivateKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDn/dMCMWYouQyF
Siu2k7xGOEB4p1pKyBi5qIZprHkG3aIo6RGcYaOn8SGLEJI1C7eXnO474/nBwlHy
QuBK4iu593JRlB0ra2Dv0pq2TZBP1CqFvbmnj2cr+BCkcJ9WA1uLENH8h2eN+CCN
jveMb6HbF9qmGN2rpsmiIzAxjl1cqR7ozw9DPz2dApkvHNCQyuReg65J+qElGPH7
04u8s1m8n+IVrsFA54B6QSAbPTHdoh+sVeVA/WNsbVLvaHkprlQiDxv7yqKcmAdF
2X5Xw7KsrZaQxYkAW38SATS75dieglVz5DV7jAeRQu8RWFMb99gNKQNKaDkG2EdM
gNm9vFzhAgMBAAECggEAC1VIyjYNanwJxXbXYQK2w0vAXd83vRNT3o6soaZxk3k0
e2D8FtflQGZ6T+/GDg3YZkbIvkfCPdSHSiQOuXxy4ZGZ9dbGwFuCn4ykuWGwz67g
H0BNZ3G3uvvncjpnP52H4BNjsr1kUhjsRttpsqRfHj58Kbo+wAHfSUqvR3MlPUoU
8mUIYV/Drln4MyA8PK1Fx8yVI8JTg26QWFLwSGfIKrvxlWx0K8wAYn3Qzxcosze/
FcnALd4P+hdAlJvArzllLg6BvYkKgK5RSyjOAjBNg3NGGMY+ROLk3GnXlhIK545H
oVd2Mo9shLJVQbqiBMgKqyxf1hqZzOvggsFP4GzsrQKBgQD6QCWal96VKHLtpFPC
PUx8cL54lRoX9/+KdarMJEPvrLdmdS4D0+8aEEek6K3ONerbJuPQvXVTEDStrMgo
fkdNFxJihzMpfPBPfYodcUl5KsT398yFAGuAA8XMsroGaEFpTwuhAtNjF+0oPj88
MsZXeaqSPS9jyRlIBifbVsfhpQKBgQDtUklLbj4vGyj6D/OLwEks/E0ANlzHfBSl
BBSyS2US2cXSQTUAz/Dc0pY00eCPKCSuwKthjYphwtNUIa0GgF0xgXlAnKLTEWxZ
bKCof60+Q82W0Up96Lj71tmRcvEebSUgwvJ1Fdjd7eHzdtbSjTUXVL3UWCFFtCqn
7yGyfnqxjQKBgQDwBGBMssaYFvCL/uUa0oIuhFAbBR6+yGx+1zaWj13dXbGVgmQ8
5aNZQy4D++rfchUsVlOAXIZPwaZUwPhE5kDqrmtCttuaOiueghDbBlHq9dtu3Wt6
URnJ8VRgbTdAd/Ps1hSYPEaUr1kWFQW/bg+PzLCNjEOMmE84JjdKByS0xQKBgBxv
6MJ2IlNosL9OHAPZ9arDTMLCwNlSf/LKC2TV7fWVTMQF9kDzqcv8G+2WXI8q40Jh
aefVmwhd3Q7OvjnyNbiR6CKa4lPiWZZZkuK98ddtLnxs9b0ins/mjcmE+WmI8JL9
aSoohQUK1TFkQxeVvg/eoqSILux4S0g2OlZ2G2OdAoGAam8l1FutKvoual+94CIP
EeMwS2K3GMQ/wG5Z5JUq8GA05cXLM3ErZGRo2qKh+xqKlqtiasv9RLXStRyIGdCi
y6ZW5FExaS+sjm1vWxCjXoUn9ZzZkOZvpT0yYDawfViNqbxhOZMQDe5bYQKjYiVx
WwNcUinB43uTQiLtVNlIOIA=
-----END PRIVATE KEY-----
)";
constexpr std::string_view kCiphertextHex =
    "62575d0cfc3945a55f0f02dec69acc83ee09f7e64030baa68ee6114f10c109ec9f7f28db003537c7"
    "84e6d4b3232a6d14ba77d7a85be4617a2f3bd17ed5aa8a8ccc94d976cc1c833bdfceb48d46b1f5d2"
    "57a340ed2c2a8b7eeee5118a39f32f869bd2e877af1b77b287b22e15b7c01254aea44582a61d65cc"
    "fc1f136ebd416cfafb26eb33de4334a1e45ee48c718d76432ec664195daff02ed4f9b43c447de386"
    "bec43ce6bd4053ff248ec0a8b73452d87b200d672935d87eab98ca3ea3057d3efce1ee10da81010c"
    "0b6318142834b2a5d77691700b12425267a552c7fcfc99d52df9a4ab82361ffc0a26dd870bf5a9e7"
    "8de2ab754bcb68698d69793860d85714";

// This file's own SHA-256 (EVP_MD_CTX, not the server's EVP_Digest call).
std::string own_sha256(std::string_view data) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  unsigned char digest[32];
  unsigned int length = 0;
  EVP_DigestInit_ex(context, EVP_sha256(), nullptr);
  EVP_DigestUpdate(context, data.data(), data.size());
  EVP_DigestFinal_ex(context, digest, &length);
  EVP_MD_CTX_free(context);
  return std::string(reinterpret_cast<char*>(digest), length);
}

std::string own_scramble(std::string_view password, std::string_view nonce) {
  const std::string p1 = own_sha256(password);
  const std::string p3 = own_sha256(own_sha256(p1) + std::string(nonce));
  std::string out = p1;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(p1[i] ^ p3[i]);
  return out;
}

std::string own_xor(std::string_view data, std::string_view nonce) {
  std::string out(data);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] ^= nonce[i % nonce.size()];
  return out;
}

// RSA_PKCS1_OAEP_PADDING with OpenSSL's defaults (SHA-1, MGF1-SHA-1), what libmysqlclient does.
std::string own_rsa_encrypt(const std::string& public_key_pem, std::string_view plain) {
  BIO* bio = BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return {};
  EVP_PKEY_CTX* context = EVP_PKEY_CTX_new(key, nullptr);
  std::string out(static_cast<std::size_t>(EVP_PKEY_get_size(key)), '\0');
  std::size_t length = out.size();
  const bool ok =
      EVP_PKEY_encrypt_init(context) > 0 &&
      EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING) > 0 &&
      EVP_PKEY_encrypt(context, reinterpret_cast<unsigned char*>(out.data()), &length,
                       reinterpret_cast<const unsigned char*>(plain.data()), plain.size()) > 0;
  EVP_PKEY_CTX_free(context);
  EVP_PKEY_free(key);
  if (!ok) return {};
  out.resize(length);
  return out;
}

std::string own_rsa_decrypt(std::string_view private_key_pem, std::string_view cipher) {
  BIO* bio = BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return "(no key)";
  EVP_PKEY_CTX* context = EVP_PKEY_CTX_new(key, nullptr);
  std::string out(512, '\0');
  std::size_t length = out.size();
  const bool ok =
      EVP_PKEY_decrypt_init(context) > 0 &&
      EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING) > 0 &&
      EVP_PKEY_decrypt(context, reinterpret_cast<unsigned char*>(out.data()), &length,
                       reinterpret_cast<const unsigned char*>(cipher.data()), cipher.size()) > 0;
  EVP_PKEY_CTX_free(context);
  EVP_PKEY_free(key);
  if (!ok) return "(does not decrypt)";
  out.resize(length);
  return out;
}

TEST(CachingSha2Vectors, FastAuthScrambleMatchesAnotherImplementation) {
  const std::string nonce = from_hex(kNonceHex);
  EXPECT_EQ(to_hex(own_sha256(kPassword)), kSha256PasswordHex);
  EXPECT_EQ(to_hex(own_sha256(own_sha256(kPassword))), kCachedDigestHex);
  EXPECT_EQ(to_hex(own_scramble(kPassword, nonce)), kScrambleHex);
  // The server's own functions give the same.
  EXPECT_EQ(to_hex(caching_sha2::sha256(caching_sha2::sha256(kPassword))), kCachedDigestHex);
  EXPECT_EQ(to_hex(caching_sha2::scramble(kPassword, nonce)), kScrambleHex);
}

TEST(CachingSha2Vectors, ServerAcceptsOnlyTheRightScrambleForItsNonce) {
  const std::string nonce = from_hex(kNonceHex);
  const std::string cached = from_hex(kCachedDigestHex);
  EXPECT_TRUE(caching_sha2::scramble_matches(from_hex(kScrambleHex), cached, nonce));
  EXPECT_FALSE(caching_sha2::scramble_matches(own_scramble("app-secreT", nonce), cached, nonce));
  std::string other_nonce = nonce;
  other_nonce[19] ^= 1;
  EXPECT_FALSE(caching_sha2::scramble_matches(from_hex(kScrambleHex), cached, other_nonce));
  EXPECT_FALSE(caching_sha2::scramble_matches(from_hex(kScrambleHex).substr(0, 31), cached, nonce));
}

TEST(CachingSha2Vectors, PasswordIsXoredWithTheNonceCyclically) {
  const std::string nonce = from_hex(kNonceHex);
  EXPECT_EQ(to_hex(own_xor(std::string(kPassword) + '\0', nonce)), kXoredPasswordHex);
  EXPECT_EQ(to_hex(own_xor(std::string(kLongPassword) + '\0', nonce)), kXoredLongPasswordHex);
  EXPECT_EQ(to_hex(caching_sha2::xor_with_nonce(std::string(kLongPassword) + '\0', nonce)),
            kXoredLongPasswordHex);
}

TEST(CachingSha2Vectors, RsaOaepCiphertextOfAnotherImplementationDecrypts) {
  const std::string nonce = from_hex(kNonceHex);
  const std::string cipher = from_hex(kCiphertextHex);
  ASSERT_EQ(cipher.size(), 256u);
  EXPECT_EQ(to_hex(own_rsa_decrypt(kPrivateKeyPem, cipher)), kXoredPasswordHex);
  EXPECT_EQ(caching_sha2::decrypt_password(kPrivateKeyPem, cipher, nonce),
            std::optional<std::string>(kPassword));
  // Wrong nonce: the XOR gives garbage, not the password.
  EXPECT_NE(caching_sha2::decrypt_password(kPrivateKeyPem, cipher, std::string(20, 'x')),
            std::optional<std::string>(kPassword));
  // PKCS#1 v1.5 is not what MySQL 8 uses: such a ciphertext must not decrypt.
  std::string damaged = cipher;
  damaged[100] ^= 0x40;
  EXPECT_EQ(caching_sha2::decrypt_password(kPrivateKeyPem, damaged, nonce), std::nullopt);
}

// --- Raw wire checks ---------------------------------------------------------------------

class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  // The next packet's payload; std::nullopt when the server closed the connection.
  std::optional<std::string> read() {
    unsigned char header[4];
    if (!read_exact(reinterpret_cast<char*>(header), 4)) return std::nullopt;
    const std::size_t length = header[0] | header[1] << 8 | header[2] << 16;
    sequence = header[3];
    std::string payload(length, '\0');
    if (!read_exact(payload.data(), length)) return std::nullopt;
    return payload;
  }

  void write(std::string_view payload, std::uint8_t seq) {
    std::string packet;
    packet.push_back(static_cast<char>(payload.size() & 0xff));
    packet.push_back(static_cast<char>((payload.size() >> 8) & 0xff));
    packet.push_back(static_cast<char>((payload.size() >> 16) & 0xff));
    packet.push_back(static_cast<char>(seq));
    packet.append(payload);
    ASSERT_EQ(::send(fd_, packet.data(), packet.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(packet.size()));
  }

  std::uint8_t sequence = 0;

 private:
  bool read_exact(char* out, std::size_t n) {
    while (n > 0) {
      const ssize_t got = ::recv(fd_, out, n, 0);
      if (got <= 0) return false;
      out += got;
      n -= static_cast<std::size_t>(got);
    }
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
};

std::uint32_t u32_at(std::string_view s, std::size_t pos) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(s[pos + i])) << (8 * i);
  return v;
}

std::uint16_t u16_at(std::string_view s, std::size_t pos) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s[pos]) |
                                    static_cast<unsigned char>(s[pos + 1]) << 8);
}

// What the greeting says, read by hand from Protocol::HandshakeV10.
struct Greeting {
  std::string version;
  std::uint32_t connection_id = 0;
  std::string nonce;  // 20 bytes
  std::uint32_t capabilities = 0;
  std::uint8_t charset = 0;
  std::uint16_t status = 0;
  std::string plugin;
  std::string payload;
};

Greeting read_greeting(RawClient& client) {
  Greeting g;
  const std::optional<std::string> p = client.read();
  EXPECT_TRUE(p.has_value());
  if (!p) return g;
  EXPECT_EQ(client.sequence, 0);
  const std::string& s = *p;
  g.payload = s;
  EXPECT_EQ(s[0], 10) << "protocol version";
  const std::size_t version_end = s.find('\0', 1);
  g.version = s.substr(1, version_end - 1);
  std::size_t pos = version_end + 1;
  g.connection_id = u32_at(s, pos);
  pos += 4;
  g.nonce = s.substr(pos, 8);
  pos += 8;
  EXPECT_EQ(s[pos], '\0') << "filler after auth-plugin-data-part-1";
  pos += 1;
  g.capabilities = u16_at(s, pos);
  g.charset = static_cast<std::uint8_t>(s[pos + 2]);
  g.status = u16_at(s, pos + 3);
  g.capabilities |= static_cast<std::uint32_t>(u16_at(s, pos + 5)) << 16;
  EXPECT_EQ(static_cast<unsigned char>(s[pos + 7]), 21u) << "auth-plugin-data length";
  EXPECT_EQ(s.substr(pos + 8, 10), std::string(10, '\0')) << "reserved";
  pos += 18;
  g.nonce += s.substr(pos, 12);
  EXPECT_EQ(s[pos + 12], '\0') << "the nonce's trailing NUL";
  pos += 13;
  EXPECT_EQ(s.back(), '\0');
  g.plugin = s.substr(pos, s.size() - pos - 1);
  return g;
}

constexpr std::uint32_t kProtocol41 = 1u << 9;
constexpr std::uint32_t kSecureConnection = 1u << 15;
constexpr std::uint32_t kPluginAuth = 1u << 19;
constexpr std::uint32_t kLenencData = 1u << 21;
constexpr std::uint32_t kDeprecateEof = 1u << 24;

std::string handshake_response(std::uint32_t caps, const std::string& user, const std::string& auth,
                               const std::string& plugin) {
  std::string p;
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<char>((caps >> (8 * i)) & 0xff));
  p.append("\x00\x00\x00\x01", 4);  // max packet size
  p.push_back(static_cast<char>(255));
  p.append(23, '\0');
  p.append(user);
  p.push_back('\0');
  p.push_back(static_cast<char>(auth.size()));  // lenenc, < 251
  p.append(auth);
  p.append(plugin);
  p.push_back('\0');
  return p;
}

constexpr std::uint32_t kRawCaps = kProtocol41 | kSecureConnection | kPluginAuth | kLenencData;

TEST(ScriptedMysql8Wire, GreetingHasTheLayoutOfMysql84) {
  ScriptedMysql8Server server(server_options());
  RawClient first(server.port());
  ASSERT_TRUE(first.connected());
  const Greeting g = read_greeting(first);
  EXPECT_EQ(g.version, "8.4.3");
  EXPECT_EQ(g.plugin, "caching_sha2_password");
  EXPECT_EQ(g.charset, 255) << "utf8mb4_0900_ai_ci";
  EXPECT_EQ(g.status, 0x0002) << "SERVER_STATUS_AUTOCOMMIT";
  // CLIENT_ALL_FLAGS without CLIENT_SSL (bit 11) and CLIENT_SSL_VERIFY_SERVER_CERT (bit 30).
  EXPECT_EQ(g.capabilities, 0x9ffff7ffu);
  ASSERT_EQ(g.nonce.size(), 20u);
  for (const char c : g.nonce) {
    EXPECT_TRUE(c > 0 && c != '$') << "generate_user_salt() makes 7-bit bytes, no NUL, no '$'";
  }
  // The proxy's decoder (mysql_wire/handshake.cpp) reads the same.
  const std::optional<wire::InitialHandshake> parsed = wire::parse_initial_handshake(
      wire::ByteView(reinterpret_cast<const std::uint8_t*>(g.payload.data()), g.payload.size()));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->server_version, "8.4.3");
  EXPECT_EQ(parsed->connection_id, g.connection_id);
  EXPECT_EQ(parsed->auth_plugin_data, g.nonce);
  EXPECT_EQ(parsed->capabilities, g.capabilities);
  EXPECT_EQ(parsed->character_set, 255);
  EXPECT_EQ(parsed->status_flags, 0x0002);
  EXPECT_EQ(parsed->auth_plugin_name, "caching_sha2_password");

  RawClient second(server.port());
  const Greeting h = read_greeting(second);
  EXPECT_NE(h.nonce, g.nonce);
  EXPECT_NE(h.connection_id, g.connection_id);
  // A NUL or '$' turns up in about one nonce in four before the fix-up; look at a few more.
  for (int i = 0; i < 16; ++i) {
    RawClient another(server.port());
    const std::string nonce = read_greeting(another).nonce;
    EXPECT_EQ(nonce.find_first_of(std::string("$\0", 2)), std::string::npos) << to_hex(nonce);
  }

  TestCertificate certificate;
  ASSERT_TRUE(certificate.ok());
  ScriptedMysql8Server tls_server(server_options({{"app", "app-secret"}}, &certificate));
  RawClient third(tls_server.port());
  EXPECT_EQ(read_greeting(third).capabilities, 0xdfffffffu) << "with CLIENT_SSL offered";
}

TEST(ScriptedMysql8Wire, OtherPluginGetsAnAuthSwitchThenRsaFullAuth) {
  ScriptedMysql8Server server(server_options());
  {
    RawClient client(server.port());
    const Greeting g = read_greeting(client);
    client.write(handshake_response(kRawCaps, "app", std::string(20, 'n'), "mysql_native_password"),
                 1);
    // The switch carries the greeting's nonce again, with its NUL.
    EXPECT_EQ(client.read(), std::string("\xfe") + "caching_sha2_password" + '\0' + g.nonce + '\0');
    EXPECT_EQ(client.sequence, 2);
    client.write(own_scramble(kPassword, g.nonce), 3);
    EXPECT_EQ(client.read(), std::string("\x01\x04"));  // perform_full_authentication
    EXPECT_EQ(client.sequence, 4);
    client.write("\x02", 5);  // request_public_key
    const std::optional<std::string> key = client.read();
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(client.sequence, 6);
    ASSERT_EQ(key->substr(0, 1), "\x01");
    const std::string pem = key->substr(1);
    EXPECT_EQ(pem, server.public_key_pem());
    EXPECT_EQ(pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u) << pem;
    const std::string cipher =
        own_rsa_encrypt(pem, own_xor(std::string(kPassword) + '\0', g.nonce));
    ASSERT_EQ(cipher.size(), 256u);
    client.write(cipher, 7);
    EXPECT_EQ(client.read(), std::string("\x00\x00\x00\x02\x00\x00\x00", 7));  // OK
    EXPECT_EQ(client.sequence, 8);
  }
  {
    // Now cached: the scramble in the handshake response is enough.
    RawClient client(server.port());
    const Greeting g = read_greeting(client);
    client.write(handshake_response(kRawCaps, "app", own_scramble(kPassword, g.nonce),
                                    "caching_sha2_password"),
                 1);
    EXPECT_EQ(client.read(), std::string("\x01\x03"));  // fast_auth_success
    EXPECT_EQ(client.sequence, 2);
    EXPECT_EQ(client.read(), std::string("\x00\x00\x00\x02\x00\x00\x00", 7));
    EXPECT_EQ(client.sequence, 3);
  }
  const std::vector<Login> logins = server.logins();
  ASSERT_EQ(logins.size(), 2u) << describe(logins);
  EXPECT_EQ(logins[0].path, AuthPath::kFullAuthRsa);
  EXPECT_TRUE(logins[0].auth_switch);
  EXPECT_TRUE(logins[0].public_key_requested);
  EXPECT_EQ(logins[1].path, AuthPath::kFastAuth);
  EXPECT_FALSE(logins[1].auth_switch);
}

TEST(ScriptedMysql8Wire, CleartextPasswordOnPlaintextConnectionIsRefused) {
  ScriptedMysql8Server server(server_options());
  RawClient client(server.port());
  const Greeting g = read_greeting(client);
  client.write(handshake_response(kRawCaps, "app", own_scramble(kPassword, g.nonce),
                                  "caching_sha2_password"),
               1);
  EXPECT_EQ(client.read(), std::string("\x01\x04"));
  client.write(std::string(kPassword) + '\0', 3);
  EXPECT_EQ(client.read(), std::string("\xff\x15\x04#28000") +
                               "Access denied for user 'app'@'localhost' (using password: YES)");
  EXPECT_EQ(client.read(), std::nullopt) << "the server closes a failed login";
  const std::vector<Login> logins = server.logins();
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_EQ(logins[0].path, AuthPath::kFailed);
  EXPECT_NE(logins[0].detail.find("cleartext password is refused"), std::string::npos)
      << logins[0].detail;
}

TEST(ScriptedMysql8Wire, ChangeUserGetsAnAuthSwitchWithAFreshNonce) {
  ScriptedMysql8Server server(server_options({{"nopass", ""}, {"app", "app-secret"}}));
  RawClient client(server.port());
  const Greeting g = read_greeting(client);
  client.write(handshake_response(kRawCaps, "nopass", "", "caching_sha2_password"), 1);
  ASSERT_EQ(client.read(), std::string("\x00\x00\x00\x02\x00\x00\x00", 7));

  // COM_CHANGE_USER: user, 1-byte length + auth data (for the old nonce), schema, charset,
  // plugin name.
  std::string change("\x11");
  change += "app";
  change += '\0';
  change += static_cast<char>(32);
  change += own_scramble(kPassword, g.nonce);
  change += '\0';
  change += std::string("\xff\x00", 2);
  change += "caching_sha2_password";
  change += '\0';
  client.write(change, 0);
  const std::optional<std::string> change_switch = client.read();
  ASSERT_TRUE(change_switch.has_value());
  EXPECT_EQ(client.sequence, 1);
  const std::string prefix = std::string("\xfe") + "caching_sha2_password" + '\0';
  ASSERT_EQ(change_switch->size(), prefix.size() + 21);
  EXPECT_EQ(change_switch->substr(0, prefix.size()), prefix);
  EXPECT_EQ(change_switch->back(), '\0');
  const std::string nonce = change_switch->substr(prefix.size(), 20);
  EXPECT_NE(nonce, g.nonce) << "COM_CHANGE_USER runs the plugin again, with a new nonce";

  client.write(own_scramble(kPassword, nonce), 2);
  EXPECT_EQ(client.read(), std::string("\x01\x04"));
  EXPECT_EQ(client.sequence, 3);
  client.write("\x02", 4);
  const std::optional<std::string> key = client.read();
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(client.sequence, 5);
  client.write(own_rsa_encrypt(key->substr(1), own_xor(std::string(kPassword) + '\0', nonce)), 6);
  EXPECT_EQ(client.read(), std::string("\x00\x00\x00\x02\x00\x00\x00", 7));
  EXPECT_EQ(client.sequence, 7);

  client.write("\x03SELECT 1", 0);
  client.read();  // column count
  client.read();  // column definition
  client.read();  // EOF (no CLIENT_DEPRECATE_EOF)
  EXPECT_EQ(client.read(), std::string("\x0e") + "user=app;tls=0");

  const std::vector<Login> logins = server.logins();
  ASSERT_EQ(logins.size(), 2u) << describe(logins);
  EXPECT_TRUE(logins[1].change_user);
  EXPECT_TRUE(logins[1].auth_switch);
  EXPECT_EQ(logins[1].path, AuthPath::kFullAuthRsa);
}

// A text result set of one row, with and without CLIENT_DEPRECATE_EOF; then the other commands.
void check_commands(bool deprecate_eof) {
  ScriptedMysql8Server server(server_options({{"nopass", ""}}));
  RawClient client(server.port());
  read_greeting(client);
  const std::uint32_t caps = kRawCaps | (deprecate_eof ? kDeprecateEof : 0);
  client.write(handshake_response(caps, "nopass", "", "caching_sha2_password"), 1);
  ASSERT_EQ(client.read(), std::string("\x00\x00\x00\x02\x00\x00\x00", 7));

  client.write("\x03SELECT 1", 0);
  EXPECT_EQ(client.read(), std::string("\x01"));  // one column
  EXPECT_EQ(client.sequence, 1);
  const std::optional<std::string> column = client.read();
  ASSERT_TRUE(column.has_value());
  EXPECT_EQ(column->substr(0, 4),
            "\x03"
            "def");
  EXPECT_NE(column->find("\x07session"), std::string::npos);
  const std::string eof("\xfe\x00\x00\x02\x00", 5);
  if (!deprecate_eof) {
    EXPECT_EQ(client.read(), eof);
  }
  const std::string value = "user=nopass;tls=0";
  EXPECT_EQ(client.read(), static_cast<char>(value.size()) + value);
  if (deprecate_eof) {
    EXPECT_EQ(client.read(), std::string("\xfe\x00\x00\x02\x00\x00\x00", 7));
  } else {
    EXPECT_EQ(client.read(), eof);
  }
  EXPECT_EQ(client.sequence, deprecate_eof ? 4 : 5);

  client.write("\x03SET NAMES utf8mb4", 0);
  EXPECT_EQ(client.read(), std::string("\x00\x00\x00\x02\x00\x00\x00", 7));
  client.write("\x0e", 0);  // COM_PING
  EXPECT_EQ(client.read(), std::string("\x00\x00\x00\x02\x00\x00\x00", 7));
  client.write("\x16SELECT ?", 0);  // COM_STMT_PREPARE is not scripted
  EXPECT_EQ(client.read(), std::string("\xff\x17\x04#08S01Unknown command"));
  client.write("\x0e", 3);  // out of order
  EXPECT_EQ(client.read(), std::string("\xff\x84\x04#08S01Got packets out of order"));
  EXPECT_EQ(client.read(), std::nullopt);
}

TEST(ScriptedMysql8Wire, CommandsWithDeprecateEof) { check_commands(true); }
TEST(ScriptedMysql8Wire, CommandsWithoutDeprecateEof) { check_commands(false); }

TEST(ScriptedMysql8Wire, QuitClosesTheConnection) {
  ScriptedMysql8Server server(server_options({{"nopass", ""}}));
  RawClient client(server.port());
  read_greeting(client);
  client.write(handshake_response(kRawCaps, "nopass", "", "caching_sha2_password"), 1);
  ASSERT_TRUE(client.read().has_value());
  client.write("\x01", 0);
  EXPECT_EQ(client.read(), std::nullopt);
}

// --- A real client: libmysqlclient ------------------------------------------------------

// A libmysqlclient connection; with a certificate, over TLS that verifies the server with it.
MysqlClient connect_to(const ScriptedMysql8Server& server, const std::string& user,
                       const std::string& password, const TestCertificate* tls = nullptr,
                       const char* default_auth = nullptr) {
  MysqlClient client;
  if (tls != nullptr) {
    const my_bool on = 1;
    client.set_option(MYSQL_OPT_SSL_ENFORCE, &on);
    client.set_option(MYSQL_OPT_SSL_CA, tls->cert_file().c_str());
    client.set_option(MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
  }
  if (default_auth != nullptr) client.set_option(MYSQL_DEFAULT_AUTH, default_auth);
  client.connect("127.0.0.1", server.port(), user, password);
  return client;
}

TEST(ScriptedMysql8Libmysqlclient, TlsFullAuthSendsThePasswordInsideTls) {
  TestCertificate certificate;
  ASSERT_TRUE(certificate.ok());
  ScriptedMysql8Server server(server_options({{"app", "app-secret"}}, &certificate));
  for (int i = 0; i < 2; ++i) {
    MysqlClient client = connect_to(server, "app", "app-secret", &certificate);
    ASSERT_EQ(client.error_code(), 0u) << client.describe_error() << describe(server.logins());
    EXPECT_NE(mysql_get_ssl_cipher(client.handle()), nullptr);
    EXPECT_EQ(client.scalar("SELECT 1"), "user=app;tls=1");
  }
  const std::vector<Login> logins = server.logins();
  ASSERT_EQ(logins.size(), 2u) << describe(logins);
  EXPECT_TRUE(logins[0].tls);
  EXPECT_EQ(logins[0].path, AuthPath::kFullAuthOverTls) << describe(logins);
  EXPECT_FALSE(logins[0].public_key_requested);
  // Connector/C 3.3 answers the greeting with the plugin the server named in it.
  EXPECT_FALSE(logins[0].auth_switch);
  EXPECT_EQ(logins[1].path, AuthPath::kFastAuth) << describe(logins);
}

TEST(ScriptedMysql8Libmysqlclient, PlaintextFullAuthRequestsThePublicKey) {
  ScriptedMysql8Server server(server_options());
  MysqlClient client = connect_to(server, "app", "app-secret");
  ASSERT_EQ(client.error_code(), 0u) << client.describe_error() << describe(server.logins());
  EXPECT_EQ(mysql_get_ssl_cipher(client.handle()), nullptr);
  EXPECT_EQ(client.scalar("SELECT 1"), "user=app;tls=0");
  EXPECT_EQ(mysql_ping(client.handle()), 0);
  const std::vector<Login> logins = server.logins();
  ASSERT_EQ(logins.size(), 1u) << describe(logins);
  EXPECT_FALSE(logins[0].tls);
  EXPECT_EQ(logins[0].path, AuthPath::kFullAuthRsa) << describe(logins);
  EXPECT_TRUE(logins[0].public_key_requested);
}

TEST(ScriptedMysql8Libmysqlclient, SecondLoginIsFastAuthUntilTheCacheIsEmptied) {
  ScriptedMysql8Server server(server_options());
  for (int i = 0; i < 3; ++i) {
    if (i == 2) server.forget_cached_passwords();
    MysqlClient client = connect_to(server, "app", "app-secret");
    ASSERT_EQ(client.error_code(), 0u) << client.describe_error() << describe(server.logins());
  }
  // Told to start with mysql_native_password, the client is switched to caching_sha2_password
  // with the greeting's nonce, and its scramble for that nonce passes fast auth.
  MysqlClient native = connect_to(server, "app", "app-secret", nullptr, "mysql_native_password");
  ASSERT_EQ(native.error_code(), 0u) << native.describe_error();
  const std::vector<Login> logins = server.logins();
  ASSERT_EQ(logins.size(), 4u) << describe(logins);
  EXPECT_EQ(logins[0].path, AuthPath::kFullAuthRsa);
  EXPECT_EQ(logins[1].path, AuthPath::kFastAuth);
  EXPECT_FALSE(logins[1].public_key_requested);
  EXPECT_EQ(logins[2].path, AuthPath::kFullAuthRsa) << describe(logins);
  EXPECT_FALSE(logins[0].auth_switch);
  EXPECT_EQ(logins[3].path, AuthPath::kFastAuth) << describe(logins);
  EXPECT_TRUE(logins[3].auth_switch);
}

TEST(ScriptedMysql8Libmysqlclient, WrongPasswordIsDenied) {
  TestCertificate certificate;
  ASSERT_TRUE(certificate.ok());
  ScriptedMysql8Server server(server_options({{"app", "app-secret"}}, &certificate));
  MysqlClient good = connect_to(server, "app", "app-secret");  // cached from here on
  ASSERT_EQ(good.error_code(), 0u) << good.describe_error();
  MysqlClient rsa = connect_to(server, "app", "wrong");
  EXPECT_EQ(rsa.error_code(), 1045u) << rsa.describe_error();
  EXPECT_EQ(rsa.sqlstate(), "28000");
  EXPECT_EQ(rsa.error_message(), "Access denied for user 'app'@'localhost' (using password: YES)");
  MysqlClient tls = connect_to(server, "app", "wrong", &certificate);
  EXPECT_EQ(tls.error_code(), 1045u) << tls.describe_error();
  MysqlClient nobody = connect_to(server, "nobody", "app-secret");
  EXPECT_EQ(nobody.error_code(), 1045u) << nobody.describe_error();
  MysqlClient empty = connect_to(server, "app", "");
  EXPECT_EQ(empty.error_code(), 1045u);
  EXPECT_EQ(empty.error_message(), "Access denied for user 'app'@'localhost' (using password: NO)");
  const std::vector<Login> logins = server.logins();
  ASSERT_EQ(logins.size(), 5u) << describe(logins);
  EXPECT_EQ(logins[1].detail, "wrong password");
  EXPECT_TRUE(logins[1].public_key_requested);
  EXPECT_EQ(logins[2].detail, "wrong password");
  EXPECT_TRUE(logins[2].tls);
  EXPECT_EQ(logins[3].detail, "no such user");
  for (std::size_t i = 1; i < logins.size(); ++i) EXPECT_EQ(logins[i].path, AuthPath::kFailed);
}

TEST(ScriptedMysql8Libmysqlclient, ChangeUserAuthenticatesAgainWithANewNonce) {
  ScriptedMysql8Server server(server_options({{"app", "app-secret"}, {"other", "other-secret"}}));
  MysqlClient client = connect_to(server, "app", "app-secret");
  ASSERT_EQ(client.error_code(), 0u) << client.describe_error();
  ASSERT_EQ(mysql_change_user(client.handle(), "other", "other-secret", nullptr), 0)
      << client.describe_error() << describe(server.logins());
  EXPECT_EQ(client.scalar("SELECT 1"), "user=other;tls=0");
  ASSERT_EQ(mysql_change_user(client.handle(), "app", "app-secret", nullptr), 0)
      << client.describe_error() << describe(server.logins());
  EXPECT_EQ(client.scalar("SELECT 1"), "user=app;tls=0");
  EXPECT_NE(mysql_change_user(client.handle(), "other", "wrong", nullptr), 0);
  EXPECT_EQ(client.error_code(), 1045u) << client.describe_error();
  // A failed COM_CHANGE_USER ends the session.
  EXPECT_FALSE(client.scalar("SELECT 1").has_value());
  EXPECT_TRUE(client.error_code() == CR_SERVER_LOST || client.error_code() == CR_SERVER_GONE_ERROR)
      << client.describe_error();

  const std::vector<Login> logins = server.logins();
  ASSERT_EQ(logins.size(), 4u) << describe(logins);
  EXPECT_FALSE(logins[0].change_user);
  EXPECT_TRUE(logins[1].change_user);
  EXPECT_TRUE(logins[1].auth_switch);
  EXPECT_EQ(logins[1].user, "other");
  EXPECT_EQ(logins[1].path, AuthPath::kFullAuthRsa);
  EXPECT_EQ(logins[2].path, AuthPath::kFastAuth) << "app is cached since the first login";
  EXPECT_EQ(logins[3].path, AuthPath::kFailed);
}

TEST(ScriptedMysql8Libmysqlclient, RequireSecureTransportRefusesPlaintext) {
  TestCertificate certificate;
  ASSERT_TRUE(certificate.ok());
  ScriptedMysql8Options options = server_options({{"app", "app-secret"}}, &certificate);
  options.require_tls = true;
  ScriptedMysql8Server server(options);
  MysqlClient plain = connect_to(server, "app", "app-secret");
  EXPECT_EQ(plain.error_code(), 3159u) << plain.describe_error();
  EXPECT_EQ(plain.sqlstate(), "HY000");
  MysqlClient tls = connect_to(server, "app", "app-secret", &certificate);
  ASSERT_EQ(tls.error_code(), 0u) << tls.describe_error();
  EXPECT_EQ(tls.scalar("SELECT 1"), "user=app;tls=1");
  const std::vector<Login> logins = server.logins();
  ASSERT_EQ(logins.size(), 2u) << describe(logins);
  EXPECT_EQ(logins[0].path, AuthPath::kFailed);
  EXPECT_NE(logins[0].detail.find("require_secure_transport"), std::string::npos);
  // The plaintext login did authenticate (RSA) before it was refused, so the password is cached.
  EXPECT_EQ(logins[1].path, AuthPath::kFastAuth) << describe(logins);
}

TEST(ScriptedMysql8Libmysqlclient, ConcurrentClientsEachSeeThemselves) {
  ScriptedMysql8Options options;
  for (int i = 0; i < 8; ++i) {
    options.users["user" + std::to_string(i)] = "secret-" + std::to_string(i);
  }
  ScriptedMysql8Server server(options);
  // One login first, on this thread: it initialises the library and loads the plugin.
  MysqlClient first = connect_to(server, "user0", "secret-0");
  ASSERT_EQ(first.error_code(), 0u) << first.describe_error();
  std::vector<std::string> failures(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const std::string user = "user" + std::to_string(i);
      for (int round = 0; round < 3; ++round) {
        MysqlClient client = connect_to(server, user, "secret-" + std::to_string(i));
        const std::optional<std::string> value = client.scalar("SELECT 1");
        if (value != "user=" + user + ";tls=0") {
          failures[i] = user + ": " + client.describe_error();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& failure : failures) EXPECT_EQ(failure, "");
  const std::vector<Login> logins = server.logins();
  EXPECT_EQ(logins.size(), 25u);
  for (const Login& login : logins) EXPECT_NE(login.path, AuthPath::kFailed) << describe(logins);
}

// --- Another real client: pymysql (pure Python, with the cryptography package) ------------

TEST(ScriptedMysql8Pymysql, LogsInOverTlsAndOverRsaAndFast) {
  TestCertificate certificate;
  ASSERT_TRUE(certificate.ok());
  ScriptedMysql8Server server(
      server_options({{"app", "app-secret"}, {"tlsuser", "tls-secret"}}, &certificate));
  const std::string script =
      "import sys, pymysql\n"
      "port, ca = int(sys.argv[1]), sys.argv[2]\n"
      "def who(user='app', password='app-secret', **kw):\n"
      "    c = pymysql.connect(host='127.0.0.1', port=port, user=user, password=password, **kw)\n"
      "    cur = c.cursor(); cur.execute('SELECT 1'); v = cur.fetchone()[0]; c.close(); return v\n"
      "print(who())\n"
      "print(who())\n"
      "print(who(user='tlsuser', password='tls-secret', ssl={'ca': ca}))\n"
      "print(who(user='tlsuser', password='tls-secret', ssl={'ca': ca}))\n";
  TemporaryFile file(script);
  ASSERT_TRUE(file.ok());
  const std::string command = "/usr/bin/python3 " + file.path() + " " +
                              std::to_string(server.port()) + " " + certificate.cert_file() +
                              " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  EXPECT_EQ(::pclose(pipe), 0) << output;
  EXPECT_EQ(output, "user=app;tls=0\nuser=app;tls=0\nuser=tlsuser;tls=1\nuser=tlsuser;tls=1\n");
  const std::vector<Login> logins = server.logins();
  ASSERT_EQ(logins.size(), 4u) << describe(logins);
  EXPECT_EQ(logins[0].path, AuthPath::kFullAuthRsa);
  EXPECT_TRUE(logins[0].public_key_requested);
  EXPECT_FALSE(logins[0].auth_switch) << "pymysql answers with the server's plugin";
  EXPECT_EQ(logins[1].path, AuthPath::kFastAuth);
  EXPECT_EQ(logins[2].path, AuthPath::kFullAuthOverTls);
  EXPECT_TRUE(logins[2].tls);
  EXPECT_EQ(logins[3].path, AuthPath::kFastAuth);
}

}  // namespace
}  // namespace sqlcache::testing
