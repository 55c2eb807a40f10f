#pragma once

#include <string>
#include <string_view>

namespace mq {

/// Styles for text on a terminal.
enum class Style { error, warning, emphasis, good };

/// Whether to colour what goes to `fd`: only a terminal, and never with NO_COLOR set or
/// TERM=dumb (https://no-color.org).
bool colour_enabled(int fd);

/// `text` wrapped in the ANSI sequences of `style` when `colour` is true, else unchanged.
std::string paint(std::string_view text, Style style, bool colour);

}  // namespace mq
