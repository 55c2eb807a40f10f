#include <doctest/doctest.h>

#include "sequence_checker.hpp"

using mq::bench::SequenceChecker;
using Arrival = SequenceChecker::Arrival;

TEST_CASE("an in-order stream has nothing lost, duplicated or reordered") {
  SequenceChecker checker;
  int not_in_order = 0;
  for (std::uint64_t sequence = 0; sequence < 100'000; ++sequence)
    not_in_order += checker.record(sequence) != Arrival::in_order;
  CHECK(not_in_order == 0);
  CHECK(checker.missing() == 0);
  CHECK(checker.unique() == 100'000);
  CHECK(checker.lost(100'000) == 0);
}

TEST_CASE("gaps are lost, and the tail the subscriber never saw is lost too") {
  SequenceChecker checker;
  checker.record(0);
  CHECK(checker.record(3) == Arrival::after_gap);
  checker.record(4);
  CHECK(checker.missing() == 2);
  CHECK(checker.lost(5) == 2);
  CHECK(checker.lost(10) == 7);
}

TEST_CASE("a late message is reordered, not lost, a repeat is a duplicate") {
  SequenceChecker checker;
  checker.record(0);
  checker.record(2);
  CHECK(checker.record(1) == Arrival::late);
  CHECK(checker.record(1) == Arrival::duplicate);
  CHECK(checker.record(2) == Arrival::duplicate);
  CHECK(checker.missing() == 0);
  CHECK(checker.reordered() == 1);
  CHECK(checker.duplicated() == 2);
  CHECK(checker.unique() == 3);
}

TEST_CASE("the first message is number 0 unless the start is unknown") {
  SequenceChecker from_zero;
  from_zero.record(5);
  CHECK(from_zero.missing() == 5);
  SequenceChecker joined_late{std::nullopt};
  joined_late.record(5);
  joined_late.record(6);
  CHECK(joined_late.missing() == 0);
  CHECK(joined_late.next() == 7);
}

TEST_CASE("a message older than the window counts as a duplicate, and memory stays bounded") {
  SequenceChecker checker;
  checker.record(0);
  // 1 never arrives: the window slides past it and it stays lost.
  for (std::uint64_t sequence = 2; sequence < 3 * SequenceChecker::window; ++sequence)
    checker.record(sequence);
  CHECK(checker.missing() == 1);
  CHECK(checker.record(1) == Arrival::duplicate);
  CHECK(checker.missing() == 1);
  // A jump far ahead settles everything before it.
  CHECK(checker.record(1'000'000'000) == Arrival::after_gap);
  CHECK(checker.missing() == 1 + 1'000'000'000 - 3 * SequenceChecker::window);
  CHECK(checker.record(1'000'000'001) == Arrival::in_order);
}

TEST_CASE("a lossy stream: every other message lost, then some arrive late") {
  SequenceChecker checker;
  for (std::uint64_t sequence = 0; sequence < 1000; sequence += 2)
    checker.record(sequence);
  CHECK(checker.missing() == 499);
  for (std::uint64_t sequence = 1; sequence < 100; sequence += 2)
    checker.record(sequence);
  CHECK(checker.missing() == 449);
  CHECK(checker.reordered() == 50);
  CHECK(checker.lost(1000) == 450);
}
