#pragma once

namespace mq {

/// SIGINT and SIGTERM, turned into a request to stop that event loops can poll and wait on,
/// so tools shut down cleanly (finish acknowledgements, disconnect) and exit 130 or 143.
class StopSignals {
public:
  /// Installs the handlers (and ignores SIGPIPE) once per process; later calls do nothing.
  static void install();
  /// The signal that asked us to stop, or 0.
  static int received();
  /// A descriptor that becomes readable when a stop signal arrives (for poll/epoll).
  static int fd();
};

}  // namespace mq
