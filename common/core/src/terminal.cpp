#include "mq/terminal.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace mq {

bool colour_enabled(int fd) {
  const char* no_colour = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return isatty(fd) == 1 && (no_colour == nullptr || *no_colour == '\0') &&
         (term == nullptr || std::strcmp(term, "dumb") != 0);
}

std::string paint(std::string_view text, Style style, bool colour) {
  if (!colour) return std::string{text};
  const char* start = "";
  switch (style) {
  case Style::error:
    start = "\x1b[1;31m";
    break;
  case Style::warning:
    start = "\x1b[1;33m";
    break;
  case Style::emphasis:
    start = "\x1b[1m";
    break;
  case Style::good:
    start = "\x1b[32m";
    break;
  }
  return std::string{start} + std::string{text} + "\x1b[0m";
}

}  // namespace mq
