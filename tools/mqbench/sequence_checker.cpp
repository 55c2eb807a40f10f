#include "sequence_checker.hpp"

namespace mq::bench {
namespace {

constexpr std::uint64_t all_ones = ~std::uint64_t{0};

}  // namespace

SequenceChecker::SequenceChecker(std::optional<std::uint64_t> first)
    : started_(first.has_value()), base_(first.value_or(0)), next_(first.value_or(0)) {}

bool SequenceChecker::seen(std::uint64_t sequence) const {
  const std::uint64_t offset = sequence - base_;
  return (words_[offset / 64] >> (offset % 64)) & 1;
}

void SequenceChecker::mark(std::uint64_t sequence) {
  const std::uint64_t offset = sequence - base_;
  while (words_.size() <= offset / 64)
    words_.push_back(0);
  words_[offset / 64] |= std::uint64_t{1} << (offset % 64);
}

// Drops the words nothing more can be learnt from: complete ones, and any beyond the window
// (their missing numbers stay counted as lost).
void SequenceChecker::forget_settled() {
  while (words_.size() > 1 && (words_.front() == all_ones || next_ - base_ > window)) {
    words_.pop_front();
    base_ += 64;
  }
}

SequenceChecker::Arrival SequenceChecker::record(std::uint64_t sequence) {
  if (!started_) {
    started_ = true;
    base_ = next_ = sequence;
  }
  if (sequence >= next_) {
    const bool gap = sequence > next_;
    missing_ += sequence - next_;
    next_ = sequence + 1;
    if (sequence - base_ >= 2 * window) {  // a jump far beyond the window: all before is settled
      words_.clear();
      base_ = sequence;
    }
    mark(sequence);
    ++unique_;
    forget_settled();
    return gap ? Arrival::after_gap : Arrival::in_order;
  }
  if (sequence < base_ || seen(sequence)) {
    ++duplicated_;
    return Arrival::duplicate;
  }
  mark(sequence);
  ++unique_;
  ++reordered_;
  --missing_;
  forget_settled();
  return Arrival::late;
}

}  // namespace mq::bench
