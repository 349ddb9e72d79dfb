// SPDX-License-Identifier: Apache-2.0
#include "stats/error_tally.h"

#include <algorithm>

namespace iuprobe {

void ErrorTally::add(unsigned status, std::string_view detail, std::uint64_t count) {
  for (Entry& entry : entries_) {
    if (entry.status == status && entry.detail == detail) {
      entry.count += count;
      return;
    }
  }
  if (entries_.size() >= kMaxKinds) {
    other_ += count;
    return;
  }
  entries_.push_back(Entry{.status = status, .detail = std::string(detail), .count = count});
}

void ErrorTally::merge(const ErrorTally& other) {
  for (const Entry& entry : other.entries_) add(entry.status, entry.detail, entry.count);
  other_ += other.other_;
}

std::vector<ErrorTally::Entry> ErrorTally::sorted() const {
  std::vector<Entry> out = entries_;
  std::stable_sort(out.begin(), out.end(),
                   [](const Entry& a, const Entry& b) { return a.count > b.count; });
  return out;
}

void StatusCounts::merge(const StatusCounts& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

std::vector<std::pair<unsigned, std::uint64_t>> StatusCounts::seen() const {
  std::vector<std::pair<unsigned, std::uint64_t>> out;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] != 0) out.emplace_back(static_cast<unsigned>(i), counts_[i]);
  }
  return out;
}

}  // namespace iuprobe
