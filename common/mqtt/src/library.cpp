#include "mq/library.hpp"

#include <mosquitto.h>

#include <mutex>

#include "mq/error.hpp"

namespace mq {
namespace {

// libmosquitto's init is not reference counted; we count so that nested owners are safe.
std::mutex library_mutex;
int library_users = 0;

}  // namespace

MosquittoLibrary::MosquittoLibrary() {
  std::lock_guard lock{library_mutex};
  if (library_users++ == 0 && mosquitto_lib_init() != MOSQ_ERR_SUCCESS) {
    --library_users;
    throw Error{Exit::internal, "libmosquitto could not be initialised"};
  }
}

MosquittoLibrary::~MosquittoLibrary() {
  std::lock_guard lock{library_mutex};
  if (--library_users == 0) mosquitto_lib_cleanup();
}

}  // namespace mq
