// Reading JSON and CBOR from files a user hands us, without trusting them: a bound on nesting (the
// CBOR reader recurses once per level, so 100,000 nested maps overflowed the stack), strings that
// must be valid UTF-8 (CBOR text strings are by definition; invalid ones made dump() throw later,
// far from the file), and typed accessors that refuse a value of the wrong kind or out of range
// instead of casting it (a float into an int field, -1 into an unsigned index, 1e300 into a float).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

namespace ccsim::json_read {

using nlohmann::json;

// No ccsim file nests deeper than 6 levels; 64 leaves room for any sane extension.
constexpr std::size_t kMaxDepth = 64;

// Both throw std::runtime_error "<source>: ..." naming what is wrong (syntax, depth, UTF-8).
json parse_json(std::string_view text, const std::string& source);
json parse_cbor(const std::uint8_t* first, const std::uint8_t* last, const std::string& source);

bool valid_utf8(std::string_view s);

// Shortest text of a JSON value for an error message (a scalar, or its kind).
std::string describe(const json& v);

// A JSON value as T, checked. Integers: a JSON integer in T's range. Floating point: a finite
// number in T's range. bool, std::string and std::vector<U> of those. Throws std::invalid_argument
// saying what was expected and what was found (the caller adds file and field).
template <typename T>
T value_as(const json& v);

namespace detail {

template <typename T>
struct is_vector : std::false_type {};
template <typename U>
struct is_vector<std::vector<U>> : std::true_type {};

[[noreturn]] inline void wrong(const json& v, const std::string& expected) {
  throw std::invalid_argument("expected " + expected + ", got " + describe(v));
}

template <typename T>
std::string range_text() {
  return "[" + std::to_string(std::numeric_limits<T>::lowest()) + ", " + std::to_string(std::numeric_limits<T>::max()) + "]";
}

}  // namespace detail

template <typename T>
T value_as(const json& v) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) detail::wrong(v, "true or false");
    return v.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    const std::string expected = "an integer in " + detail::range_text<T>();
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) detail::wrong(v, expected);
      return static_cast<T>(u);
    }
    if (!v.is_number_integer()) detail::wrong(v, expected);
    const auto i = v.get<std::int64_t>();
    if constexpr (std::is_unsigned_v<T>) {
      if (i < 0 || static_cast<std::uint64_t>(i) > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
        detail::wrong(v, expected);
      }
    } else {
      if (i < static_cast<std::int64_t>(std::numeric_limits<T>::lowest()) ||
          i > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
        detail::wrong(v, expected);
      }
    }
    return static_cast<T>(i);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) detail::wrong(v, "a number");
    const double d = v.get<double>();
    if (!(std::abs(d) <= static_cast<double>(std::numeric_limits<T>::max()))) detail::wrong(v, "a finite number");
    return static_cast<T>(d);
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) detail::wrong(v, "a string");
    return v.get<std::string>();
  } else if constexpr (detail::is_vector<T>::value) {
    if (!v.is_array()) detail::wrong(v, "an array");
    T out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      try {
        out.push_back(value_as<typename T::value_type>(v[i]));
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("element " + std::to_string(i) + ": " + e.what());
      }
    }
    return out;
  } else {
    static_assert(std::is_same_v<T, void>, "value_as: unsupported type");
  }
}

}  // namespace ccsim::json_read
