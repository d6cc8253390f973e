// HTTPS with a certificate made on the fly, and `carepath serve` as a process: it prints
// its URL, serves, reloads on SIGHUP and exits 0 on SIGTERM.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/wait.h>

#include <utility>  // before Boost (asio 1.74)

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>

#include "server_fixture.h"

namespace carepath::http_test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Writes a self-signed P-256 certificate and its key as PEM files.
bool WriteSelfSignedCertificate(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) return false;
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  bool ok = X509_sign(cert, key, EVP_sha256()) > 0;
  FILE* c = std::fopen(cert_path.c_str(), "w");
  FILE* k = std::fopen(key_path.c_str(), "w");
  ok = ok && c != nullptr && k != nullptr && PEM_write_X509(c, cert) == 1 &&
       PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (c != nullptr) std::fclose(c);
  if (k != nullptr) std::fclose(k);
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

TEST(HttpsServing, AnswersOverTlsWithTheConfiguredCertificate) {
  std::string dir = MakeTempDir("tls");
  ASSERT_TRUE(WriteSelfSignedCertificate(dir + "/cert.pem", dir + "/key.pem"));
  auto store = store::OpenStore("sqlite:" + dir + "/tls.db");
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  api::ServerConfig config = TestConfig(dir);
  config.database = "sqlite:" + dir + "/tls.db";
  config.tls_cert = dir + "/cert.pem";
  config.tls_key = dir + "/key.pem";
  auto server = api::Server::Start(**store, config);
  ASSERT_TRUE(server.has_value()) << server.error().ToString();
  EXPECT_EQ((*server)->url().rfind("https://", 0), 0u);

  asio::io_context ioc;
  asio::ssl::context client_ctx(asio::ssl::context::tls_client);
  client_ctx.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<asio::ip::tcp::socket> stream(ioc, client_ctx);
  stream.next_layer().connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), (*server)->port()));
  stream.handshake(asio::ssl::stream_base::client);
  http::request<http::string_body> req{http::verb::get, "/fhir/r4/metadata", 11};
  req.set(http::field::host, "localhost");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_NE(res.body().find("CapabilityStatement"), std::string::npos);
  beast::error_code ignored;
  stream.shutdown(ignored);
  (*server)->Stop();
  std::filesystem::remove_all(dir);
}

TEST(HttpsServing, MissingKeyIsAConfigurationError) {
  std::string dir = MakeTempDir("tls-bad");
  auto store = store::OpenStore("sqlite:" + dir + "/x.db");
  ASSERT_TRUE(store.has_value());
  api::ServerConfig config = TestConfig(dir);
  config.tls_cert = dir + "/absent.pem";
  auto server = api::Server::Start(**store, config);
  EXPECT_FALSE(server.has_value());
  std::filesystem::remove_all(dir);
}

TEST(ServeCommand, PrintsItsUrlServesReloadsAndStopsOnSigterm) {
  std::string dir = MakeTempDir("cli");
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  // Made before fork(): until it execs, the child of this threaded process allocates nothing.
  std::string db = "sqlite:" + dir + "/cli.db";
  std::string log = "CAREPATH_ACCESS_LOG=" + dir + "/access.log";
  ::putenv(log.data());
  std::fflush(nullptr);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(CAREPATH_BINARY, CAREPATH_BINARY, "serve", "--db", db.c_str(), "--port", "0",
            "--threads", "1", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::unsetenv("CAREPATH_ACCESS_LOG");
  ::close(out[1]);
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(out[0]);
  // "carepath: serving FHIR R4 at http://127.0.0.1:PORT/fhir/r4"
  size_t at = line.find("http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << line;
  uint16_t port = static_cast<uint16_t>(std::stoi(line.substr(at + 17)));
  EXPECT_EQ(Call(port, "GET", "/healthz").status, 200);
  EXPECT_EQ(Call(port, "POST", "/fhir/r4/Patient", R"({"resourceType":"Patient"})").status, 201);
  ::kill(pid, SIGHUP);
  EXPECT_EQ(Call(port, "GET", "/readyz").status, 200);
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace carepath::http_test
