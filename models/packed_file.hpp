// The packed weight file (.ccpack): one file per network.
//
//   offset  size  content
//   0       8     magic "CCSIMPK\n"
//   8       4     format version, little-endian u32 (kPackedFileVersion)
//   12      4     reserved, 0
//   16      8     payload length P, little-endian u64
//   24      P     payload: CBOR (RFC 8949), self-describing: a map with the network, every
//                 layer's shapes, quantization parameters, alpha/gamma, groups, selects, biases;
//                 int8/int32 arrays are CBOR byte strings (little-endian)
//   24+P    4     CRC-32 (zlib) of bytes [0, 24+P), little-endian u32
//
// `ccsim inspect` prints the payload as JSON with the byte strings decoded into number arrays.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "models/packed_network.hpp"

namespace ccsim::model {

inline constexpr std::uint32_t kPackedFileVersion = 1;

std::string encode_packed(const PackedNetwork& net);
// Throws std::runtime_error naming `source` on a truncated, corrupt, wrong-version or
// inconsistent file.
PackedNetwork decode_packed(const std::string& bytes, const std::string& source);

void save_packed(const PackedNetwork& net, const std::string& path);  // atomic
PackedNetwork load_packed(const std::string& path);

// The network as JSON; with `with_data` the weights, selects, biases and multipliers as arrays.
nlohmann::json packed_to_json(const PackedNetwork& net, bool with_data);

}  // namespace ccsim::model
