#include "harness/software_token.hpp"

#include <stdexcept>

#include "harness/process.hpp"

namespace mq::test {

namespace {

void softhsm(const std::vector<std::string>& arguments, const std::map<std::string, std::string>& environment,
             const std::filesystem::path& directory) {
  Command command{{"softhsm2-util"}, std::nullopt, environment};
  command.argv.insert(command.argv.end(), arguments.begin(), arguments.end());
  const Outcome outcome = run(command, directory);
  if (outcome.exit_code != 0)
    throw std::runtime_error("softhsm2-util " + arguments.front() + " failed: " + outcome.err + outcome.out);
}

}  // namespace

SoftwareToken::SoftwareToken(const Workspace& workspace, const std::filesystem::path& key, std::string label,
                             std::string pin, std::string object)
    : config_(workspace / "softhsm2.conf"), label_(std::move(label)), pin_(std::move(pin)),
      object_(std::move(object)) {
  const std::filesystem::path tokens = workspace / "tokens";
  std::filesystem::create_directories(tokens);
  Workspace::write_file(config_, "directories.tokendir = " + tokens.string() + "\nlog.level = ERROR\n");
  softhsm({"--init-token", "--free", "--label", label_, "--pin", pin_, "--so-pin", "87654321"}, environment(),
          workspace.path());
  softhsm({"--import", key.string(), "--token", label_, "--label", object_, "--id", "01", "--pin", pin_},
          environment(), workspace.path());
}

// In the instrumented build, LeakSanitizer would fail the tools over what libp11's engine leaks
// at exit (see the suppressions file); full unwinding lets the suppressions see OpenSSL's
// frames under the engine's, which has no frame pointers.
std::map<std::string, std::string> SoftwareToken::environment() const {
  return {
      {"SOFTHSM2_CONF", config_.string()},
      {"LSAN_OPTIONS",
       "suppressions=" MQ_SOURCE_DIR
       "/tests/integration/harness/lsan-libp11-engine.supp:fast_unwind_on_malloc=0:print_suppressions=0"}};
}

std::string SoftwareToken::key_uri(const std::string& pin) const {
  const std::string uri = "pkcs11:token=" + label_ + ";object=" + object_ + ";type=private";
  return pin.empty() ? uri : uri + "?pin-value=" + pin;
}

}  // namespace mq::test
