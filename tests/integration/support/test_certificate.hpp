#pragma once
// A throwaway self-signed TLS certificate for "localhost" and 127.0.0.1 (EC P-256, valid for two
// days), made in-process with OpenSSL and written to temporary files that go away with it.
#include <memory>
#include <string>

#include "support/test_bytes.hpp"

namespace sqlcache::testing {

class TestCertificate {
 public:
  TestCertificate();
  // False when the certificate could not be made or written (the test should fail).
  bool ok() const { return cert_ && cert_->ok() && key_ && key_->ok(); }
  const std::string& cert_file() const { return cert_->path(); }
  const std::string& key_file() const { return key_->path(); }
  const std::string& cert_pem() const { return cert_pem_; }

 private:
  std::string cert_pem_;
  std::unique_ptr<TemporaryFile> cert_;
  std::unique_ptr<TemporaryFile> key_;
};

}  // namespace sqlcache::testing
