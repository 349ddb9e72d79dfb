// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace iuprobe {

// Counts of what went wrong, by kind ("HTTP 400 ProvisionedThroughputExceededException",
// "connect to host: Connection refused"). Bounded: past kMaxKinds distinct kinds, the rest
// are counted as `other`. Adding a kind already seen does not allocate.
class ErrorTally {
 public:
  static constexpr std::size_t kMaxKinds = 32;

  struct Entry {
    unsigned status = 0;  // HTTP status, 0 for transport failures
    std::string detail;
    std::uint64_t count = 0;
  };

  void add(unsigned status, std::string_view detail, std::uint64_t count = 1);
  void merge(const ErrorTally& other);
  // Kinds past kMaxKinds, counted without their detail (another tally's other()).
  void add_other(std::uint64_t count) { other_ += count; }
  // Most frequent first.
  std::vector<Entry> sorted() const;
  std::uint64_t other() const { return other_; }
  bool empty() const { return entries_.empty() && other_ == 0; }

 private:
  std::vector<Entry> entries_;
  std::uint64_t other_ = 0;
};

// How many responses came back with each HTTP status.
class StatusCounts {
 public:
  void add(unsigned status, std::uint64_t count = 1) {
    counts_[status < counts_.size() ? status : 0] += count;
  }
  void merge(const StatusCounts& other);
  // (status, count) for every status seen, ascending.
  std::vector<std::pair<unsigned, std::uint64_t>> seen() const;

 private:
  std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(600, 0);
};

}  // namespace iuprobe
