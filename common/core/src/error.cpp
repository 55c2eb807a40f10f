#include "mq/error.hpp"

namespace mq {

Error::Error(Exit code, std::string what_failed, std::string cause, std::string fix)
    : std::runtime_error(std::move(what_failed)), code_(code), cause_(std::move(cause)),
      fix_(std::move(fix)) {}

Error usage_error(std::string what_failed, std::string fix) {
  return Error{Exit::usage, std::move(what_failed), {}, std::move(fix)};
}

}  // namespace mq
