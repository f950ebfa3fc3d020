// Waits `cycles` rising clock edges in an SC_THREAD statically sensitive to its clock (none for
// 0). sc_core::wait(int) takes an int; long waits are split.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>

#include <systemc>

namespace ccsim::hw {

inline void wait_clocks(std::int64_t cycles) {
  while (cycles > 0) {
    const auto n = static_cast<int>(std::min<std::int64_t>(cycles, INT_MAX));
    sc_core::wait(n);
    cycles -= n;
  }
}

}  // namespace ccsim::hw
