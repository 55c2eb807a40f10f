#include "run_identity.hpp"

#include <fmt/format.h>

namespace mq::bench {

RunIdentity run_identity(const Plan& plan) { return RunIdentity{fmt::format("{:08x}", plan.run_tag), "1/1"}; }

}  // namespace mq::bench
