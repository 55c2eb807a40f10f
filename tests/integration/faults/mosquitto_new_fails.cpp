// Preloaded into a tool (LD_PRELOAD) by a test: libmosquitto's mosquitto_new fails as it does
// when memory runs out, a failure the tool can only report as its own (exit 1, internal).
#include <cerrno>

struct mosquitto;

extern "C" mosquitto* mosquitto_new(const char*, bool, void*) {
  errno = ENOMEM;
  return nullptr;
}
