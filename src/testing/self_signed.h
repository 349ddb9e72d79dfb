// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>

namespace iuprobe::testing {

// A TLS server context with a certificate made for the test, for 127.0.0.1, self-signed: no
// machine trusts it (clients that verify refuse it; test clients that do not, use it).
class SelfSignedServerContext {
 public:
  SelfSignedServerContext() {
    key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    cert_ = X509_new();
    X509_set_version(cert_, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert_), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert_), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert_), 3600);
    X509_set_pubkey(cert_, key_);
    X509_NAME* name = X509_get_subject_name(cert_);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert_, name);
    ready_ = X509_sign(cert_, key_, EVP_sha256()) > 0 &&
             SSL_CTX_use_certificate(context_.native_handle(), cert_) == 1 &&
             SSL_CTX_use_PrivateKey(context_.native_handle(), key_) == 1;
  }
  ~SelfSignedServerContext() {
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }
  SelfSignedServerContext(const SelfSignedServerContext&) = delete;
  SelfSignedServerContext& operator=(const SelfSignedServerContext&) = delete;

  bool ready() const { return ready_; }
  boost::asio::ssl::context& context() { return context_; }

 private:
  boost::asio::ssl::context context_{boost::asio::ssl::context::tls_server};
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
  bool ready_ = false;
};

}  // namespace iuprobe::testing
