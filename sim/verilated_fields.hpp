// Packed-array fields of a Verilated C++ model's ports: integral for <= 64 bits, VlWide above.
#pragma once

#include <cstdint>

#include <verilated.h>

namespace ccsim::rtl {

template <typename T>
void put(T& field, int lsb, int width, std::uint64_t value) {
  const auto mask = (width >= 64 ? ~0ull : ((1ull << width) - 1)) << lsb;
  field = static_cast<T>((static_cast<std::uint64_t>(field) & ~mask) | ((value << lsb) & mask));
}
template <std::size_t N>
void put(VlWide<N>& field, int lsb, int width, std::uint64_t value) {
  for (int b = 0; b < width; ++b) {
    const int bit = lsb + b;
    auto& word = field[bit / 32];
    word = (word & ~(1u << (bit % 32))) | (static_cast<std::uint32_t>((value >> b) & 1) << (bit % 32));
  }
}
// 32-bit word `index` of a field.
template <typename T>
std::uint32_t word(const T& field, int index) {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(field) >> (32 * index));
}
template <std::size_t N>
std::uint32_t word(const VlWide<N>& field, int index) {
  return field[index];
}

}  // namespace ccsim::rtl
