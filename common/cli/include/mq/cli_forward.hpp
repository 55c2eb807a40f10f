#pragma once

// The option parser's application and its options, declared without CLI11's header (tens of thousands of
// lines): headers that only name it, such as the option registration functions, stay cheap to include, and
// only the files that register options compile the parser.
namespace CLI {
class App;
class Option;
}  // namespace CLI
