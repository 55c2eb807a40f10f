#pragma once

namespace mq {

/// Owns libmosquitto's global state (mosquitto_lib_init/cleanup) for as long as it lives.
/// Sessions hold one; creating several is cheap and safe.
class MosquittoLibrary {
public:
  MosquittoLibrary();
  ~MosquittoLibrary();
  MosquittoLibrary(const MosquittoLibrary&) = delete;
  MosquittoLibrary& operator=(const MosquittoLibrary&) = delete;
};

}  // namespace mq
